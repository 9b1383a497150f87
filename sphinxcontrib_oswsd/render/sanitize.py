"""SVG from the network made safe to publish: an allow-list, re-serialised.

An SVG image runs scripts when someone opens its URL, so an image the API
sends is parsed (no DTD, no entities: nothing can expand or reach out) and
written again keeping only drawing elements and presentation attributes.
Scripts, event handlers, ``foreignObject``, animation, external references
and CSS that could load anything are dropped; links (``<a>``) keep their
content without the link. What comes out is what is cached and published.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from xml.parsers import expat
from xml.sax.saxutils import escape, quoteattr

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
XML_NS = "http://www.w3.org/XML/1998/namespace"
#: Deeper nesting than any drawing needs; it also bounds the (recursive)
#: serialiser.
MAX_DEPTH = 100
#: Far more elements than any diagram draws; it bounds the time spent.
MAX_ELEMENTS = 200_000


def _names(text: str) -> frozenset[str]:
    return frozenset(text.split())


ELEMENTS = _names(
    "svg g defs title desc symbol use path rect circle ellipse line polyline "
    "polygon text tspan marker linearGradient radialGradient stop clipPath mask "
    "pattern style image"
)
#: Elements whose content goes with them (everything not allowed but ``a``).
_UNWRAPPED = frozenset({"a"})
ATTRIBUTES = _names(
    "id class x y x1 y1 x2 y2 cx cy r rx ry fx fy width height d points transform "
    "viewBox preserveAspectRatio version fill fill-opacity fill-rule stroke "
    "stroke-width stroke-opacity stroke-dasharray stroke-dashoffset stroke-linecap "
    "stroke-linejoin stroke-miterlimit opacity font-family font-size font-weight "
    "font-style font-variant font-stretch text-anchor dominant-baseline "
    "alignment-baseline baseline-shift letter-spacing word-spacing text-decoration "
    "dx dy rotate textLength lengthAdjust style clip-path clip-rule mask "
    "marker-start marker-mid marker-end markerWidth markerHeight markerUnits refX "
    "refY orient gradientUnits gradientTransform spreadMethod offset stop-color "
    "stop-opacity patternUnits patternContentUnits patternTransform clipPathUnits "
    "maskUnits maskContentUnits visibility display overflow color shape-rendering "
    "text-rendering writing-mode direction unicode-bidi vector-effect paint-order "
    "type media"
) | {f"{{{XML_NS}}}space"}
_PREFIXED = {f"{{{XLINK_NS}}}href": "xlink:href", f"{{{XML_NS}}}space": "xml:space"}
_HREFS = frozenset({"href", f"{{{XLINK_NS}}}href"})
_IN_DOCUMENT = re.compile(r"#[A-Za-z_][\w.-]*")
_DATA_IMAGE = re.compile(r"data:image/(?:png|jpeg|gif);base64,[A-Za-z0-9+/=\s]*")
_SAFE_URL = re.compile(r"url\(\s*(['\"]?)#[A-Za-z_][\w.-]*\1\s*\)", re.IGNORECASE)
_CSS_DANGER = re.compile(
    r"@import|(?:url|src|image|image-set|element|expression)\s*\(|javascript:|\\",
    re.IGNORECASE,
)


class UnsafeSVG(ValueError):
    """The bytes are not an SVG document this module can make safe."""


def sanitize_svg(data: bytes) -> bytes:
    """``data`` re-serialised with only allowed content (raises
    :class:`UnsafeSVG` if it is not a well-formed SVG document)."""
    root = _parse(data)
    if root.tag != f"{{{SVG_NS}}}svg":
        raise UnsafeSVG("the root element is not an SVG <svg>")
    _clean(root)
    root.attrib = {"xmlns": SVG_NS, "xmlns:xlink": XLINK_NS, **root.attrib}
    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n']
    _write(root, parts)
    return "".join(parts).encode("utf-8")


def _parse(data: bytes) -> ET.Element:
    """An element tree from expat with every DTD feature refused."""
    builder = ET.TreeBuilder()
    parser = expat.ParserCreate(namespace_separator="}")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    depth = elements = 0

    def refuse(*_: object) -> None:
        raise UnsafeSVG("a DTD or entity declaration")

    def start(name: str, attributes: dict[str, str]) -> None:
        nonlocal depth, elements
        depth, elements = depth + 1, elements + 1
        if depth > MAX_DEPTH:
            raise UnsafeSVG(f"elements nested deeper than {MAX_DEPTH}")
        if elements > MAX_ELEMENTS:
            raise UnsafeSVG(f"more than {MAX_ELEMENTS} elements")
        builder.start(_name(name), {_name(k): v for k, v in attributes.items()})

    def end(name: str) -> None:
        nonlocal depth
        depth -= 1
        builder.end(_name(name))

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.UnparsedEntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = builder.data
    try:
        parser.Parse(data, True)
        return builder.close()
    except expat.ExpatError as error:
        message = expat.errors.messages[error.code]
        raise UnsafeSVG(f"not well-formed XML ({message})") from None
    except (AssertionError, IndexError):  # TreeBuilder: no root element
        raise UnsafeSVG("no root element") from None


def _name(name: str) -> str:
    """expat's ``uri}local`` as ElementTree's ``{uri}local``."""
    return "{" + name if "}" in name else name


def _clean(element: ET.Element) -> None:
    """Keep allowed children and attributes of ``element``, in place."""
    for name in list(element.attrib):
        if not _allowed_attribute(element.tag, name, element.attrib[name]):
            del element.attrib[name]
    kept: list[ET.Element] = []
    for child in element:
        namespace, _, local = child.tag.rpartition("}")
        if namespace == "{" + SVG_NS and local in ELEMENTS:
            if local == "style" and not _safe_css(child.text or ""):
                continue
            _clean(child)
            kept.append(child)
        elif namespace == "{" + SVG_NS and local in _UNWRAPPED:
            child.tag, child.attrib = f"{{{SVG_NS}}}g", {}
            _clean(child)
            kept.append(child)
        elif kept:  # keep the text after a dropped element where it was
            kept[-1].tail = (kept[-1].tail or "") + (child.tail or "")
        else:
            element.text = (element.text or "") + (child.tail or "")
    element[:] = kept


def _write(element: ET.Element, parts: list[str]) -> None:
    """Serialise a cleaned tree: every element is SVG, the only namespaced
    attributes are ``xlink:href`` and ``xml:space``."""
    tag = element.tag.rpartition("}")[2]
    attributes = "".join(
        f" {_PREFIXED.get(name, name)}={quoteattr(value)}"
        for name, value in element.attrib.items()
    )
    parts.append(f"<{tag}{attributes}>{escape(element.text or '')}")
    for child in element:
        _write(child, parts)
        parts.append(escape(child.tail or ""))
    parts.append(f"</{tag}>")


def _allowed_attribute(tag: str, name: str, value: str) -> bool:
    if name in _HREFS:
        if _IN_DOCUMENT.fullmatch(value.strip()):
            return True
        return tag == f"{{{SVG_NS}}}image" and bool(_DATA_IMAGE.fullmatch(value))
    return name in ATTRIBUTES and _safe_css(value)


def _safe_css(text: str) -> bool:
    """No ``url()`` but in-document ones, no ``@import``, no escapes that could
    hide either."""
    return not _CSS_DANGER.search(_SAFE_URL.sub("", text))
