"""How each builder writes a workflow diagram and its steps.

HTML inlines the local SVG (its links work, its text is searchable and it
follows the page's theme) and shows API images as ``<img>`` with an image map;
LaTeX includes a PDF (or the API's PNG); builders without images get the alt
text and the steps list.
"""

from __future__ import annotations

import hashlib
import math
import posixpath
import re
from html import escape
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.locale import _
from sphinx.util import logging
from sphinx.util.fileutil import copy_asset_file

from sphinxcontrib_oswsd.build_images import LinkTable, result_for
from sphinxcontrib_oswsd.config import settings_of
from sphinxcontrib_oswsd.nodes import (
    figure_title,
    workflow_diagram,
    workflow_figure,
    workflow_steps,
)
from sphinxcontrib_oswsd.page import Drawing, frame
from sphinxcontrib_oswsd.render.batch import RenderResult
from sphinxcontrib_oswsd.render.imagemap import image_map_areas
from sphinxcontrib_oswsd.render.layout import Layout
from sphinxcontrib_oswsd.render.paginate import Paper, print_pages
from sphinxcontrib_oswsd.render.pdf import pdf_document, undrawable
from sphinxcontrib_oswsd.wsd.parser import WSDSyntaxError, parse

logger = logging.getLogger(__name__)

_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>\s*")
STYLE = Path(__file__).parent / "texinputs" / "sphinxcontriboswsd.sty"


def _result(translator: Any, node: workflow_diagram) -> RenderResult | None:
    settings = settings_of(translator.config)
    result = result_for(node, settings, translator.builder.format)
    return result if result is not None and result.ok else None


def _save(result: RenderResult, directory: Path) -> str:
    """Write the image once under a name made from its content."""
    return _save_bytes(result.data, result.format or "png", directory)


def _save_bytes(data: bytes, fmt: str, directory: Path) -> str:
    name = f"oswsd-{hashlib.sha256(data).hexdigest()[:20]}.{fmt}"
    path = directory / name
    if not path.exists():
        directory.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return name


def _is_local(node: workflow_diagram, result: RenderResult) -> bool:
    return node["renderer"] == "local" or result.fell_back


# -- HTML ----------------------------------------------------------------------


def html_visit_diagram(self: Any, node: workflow_diagram) -> None:
    result = _result(self, node)
    if result is None:
        self.body.append(f'<p class="oswsd-alt">{escape(node["alt"])}</p>\n')
        raise nodes.SkipNode
    images = Path(self.builder.outdir, self.builder.imagedir)
    image_url = posixpath.join(self.builder.imgpath, _save(result, images))
    if _is_local(node, result) and result.format == "svg":
        # Our own SVG, every text escaped by the renderer: safe to inline.
        drawing = Drawing.of_svg(_XML_DECLARATION.sub("", result.data.decode("utf-8")))
    else:
        drawing = Drawing(
            _html_image(node, result, image_url), result.width or 0, result.height or 0
        )
    self.body.append(
        frame(
            drawing,
            label=node["alt"],
            image_url=image_url,
            stretch=bool(node.get("width")),
            style=node["style"],
        )
    )
    raise nodes.SkipNode


def _api_boxes(
    node: workflow_diagram, result: RenderResult
) -> list[tuple[float, float, float, float, str]]:
    """``(x0, y0, x1, y1, url)`` for each step of an API image that links to
    source, from the image's top left."""
    links = LinkTable.of(node["links"])
    areas = image_map_areas(result.boxes, parse(node["source"]), links)
    return [(*area.coords, area.href) for area in areas]


def _page_boxes(
    page: Layout, links: LinkTable
) -> list[tuple[float, float, float, float, str]]:
    """The same for a page drawn by the local renderer."""
    return [
        (*element.bounds, url)
        for element in page.steps()
        if element.step.ref and (url := links(element.step.ref))
    ]


def _html_image(node: workflow_diagram, result: RenderResult, src: str) -> str:
    """An API image as ``<img>`` (never inlined: it came from the network),
    with a link over each step that has a source function.

    The links are positioned in percent of the image, not an HTML image map,
    so they stay on their steps when the page scales the image.
    """
    size = ""
    if result.width and result.height:
        size = f' width="{result.width}" height="{result.height}"'
    img = f'<img src="{escape(src)}" alt="{escape(node["alt"])}"{size} />'
    areas = image_map_areas(
        result.boxes, parse(node["source"]), LinkTable.of(node["links"])
    )
    if not areas or not (result.width and result.height):
        return img
    lines = ['<div class="oswsd-image">', img]
    for area in areas:
        x0, y0, x1, y1 = area.coords
        box = (
            x0 / result.width,
            y0 / result.height,
            (x1 - x0) / result.width,
            (y1 - y0) / result.height,
        )
        left, top, width, height = (f"{100 * v:.2f}%" for v in box)
        lines.append(
            f'<a class="oswsd-area" href="{escape(area.href)}"'
            f' title="{escape(area.title)}" style="left: {left}; top: {top};'
            f' width: {width}; height: {height}">'
            f'<span class="oswsd-area-text">{escape(area.alt)}</span></a>'
        )
    lines.append("</div>")
    return "\n".join(lines)


def html_visit_steps(self: Any, node: workflow_steps) -> None:
    opened = ' open="open"' if node["mode"] == "expanded" else ""  # XHTML: EPUB
    count = len(node.children[0].children) if node.children else 0
    self.body.append(
        f'<details class="oswsd-steps"{opened}>'
        f"<summary>{escape(_('Steps'))} ({count})</summary>\n"
    )


def html_depart_steps(self: Any, node: workflow_steps) -> None:
    self.body.append("</details>\n")


# -- LaTeX -----------------------------------------------------------------------


#: Where a diagram is printed, in pt: the text of an A4 or Letter page with
#: Sphinx's margins (the smaller of each), less room for a caption; turned
#: (a landscape page, the figure reaching 0.75 in into each side margin)
#: when the diagram is too wide to print legibly upright.  LaTeX scales
#: each page to the real text width.
PAPERS = [Paper(450.0, 600.0), Paper(650.0 + 108.0, 400.0, landscape=True)]
#: Smaller printed text is reported: it cannot be read on paper.
MIN_PRINTED_TEXT = 6.0
#: What the width budget aims at (a footnote's size): labels are wrapped
#: until the diagram's text prints this large, or as far as they can be.
PRINTED_TEXT = 8.0
#: The size of the text in websequencediagrams.com's images, in px.
API_TEXT_SIZE = 12.0


def latex_visit_figure(self: Any, node: workflow_figure) -> None:
    """A figure that stays where it is written, before its steps list, on a
    landscape page if the diagram needs one.  Its image (the first page of
    a diagram cut into pages) is made now, for :func:`latex_visit_diagram`."""
    (diagram,) = node.findall(workflow_diagram)
    graphics, landscape = _graphics(self, diagram)
    landscape = landscape and not (self.table or self.in_minipage)
    node["oswsd_graphics"], node["oswsd_landscape"] = graphics, landscape
    if landscape:
        self.body.append("\\begin{oswsdlandscape}\n")
    self.no_latex_floats += 1
    try:
        self.visit_figure(node)
    finally:
        self.no_latex_floats -= 1


def latex_depart_figure(self: Any, node: workflow_figure) -> None:
    """After the figure, each later page of its diagram in a figure of its
    own, with "(continued)" under it."""
    self.depart_figure(node)
    captioned = any(isinstance(child, nodes.caption) for child in node)
    text = self.encode(f"{figure_title(node)} {_('(continued)')}")
    numbered = "\\figurename~\\thefigure: " if captioned else ""
    for graphic in node["oswsd_graphics"][1:]:
        self.body.append(
            f"\\begin{{figure}}[H]\n\\centering\n{graphic}"
            f"\\oswsdcontinued{{{numbered}{text}}}\n\\end{{figure}}\n"
        )
    if node["oswsd_landscape"]:
        self.body.append("\\end{oswsdlandscape}\n")


def latex_visit_diagram(self: Any, node: workflow_diagram) -> None:
    """The image made for the figure, or the alt text if there is none."""
    graphics = node.parent.get("oswsd_graphics")
    if graphics is None:  # not in a figure of ours
        graphics, _ = _graphics(self, node)
    self.body.append(graphics[0] if graphics else self.encode(node["alt"]))
    raise nodes.SkipNode


def _graphics(self: Any, node: workflow_diagram) -> tuple[list[str], bool]:
    """The diagram's images, one per page, and whether they are landscape."""
    result = None if node["renderer"] == "local" else _result(self, node)
    if node["renderer"] == "local" or (result and result.fell_back):
        return _local_graphics(self, node)
    if result is None:
        return [], False
    if not _prints_legibly(result):
        logger.info(
            "%s: the API's image would print its text under %g pt: drawn by the"
            " local renderer, in pages, instead",
            node["workflow"],
            MIN_PRINTED_TEXT,
            location=tuple(node["location"]),
        )
        return _local_graphics(self, node)
    size = (result.width or 0, result.height or 0)
    boxes = _api_boxes(node, result)
    return [_graphic(self, node, result.data, result.format, *size, boxes)], False


def _prints_legibly(result: RenderResult) -> bool:
    """Whether an API image, scaled to fit the page, keeps its text (about
    ``API_TEXT_SIZE`` px) at ``MIN_PRINTED_TEXT`` or more."""
    if not (result.width and result.height):
        return True  # a PDF: its size is not known here
    paper = PAPERS[0]
    scale = min(1.0, paper.width / result.width, paper.height / result.height)
    return API_TEXT_SIZE * scale >= MIN_PRINTED_TEXT


def _local_graphics(self: Any, node: workflow_diagram) -> tuple[list[str], bool]:
    """The local renderer's pages, each as its own PDF."""
    try:
        diagram = parse(node["source"])
    except WSDSyntaxError:
        return [], False  # the directive reported it
    printed = print_pages(diagram, PAPERS, MIN_PRINTED_TEXT, PRINTED_TEXT)
    if printed.smallest_text < MIN_PRINTED_TEXT:
        _warn(
            node,
            f"{node['workflow']}: too wide to print legibly: its text would print"
            f" at {printed.smallest_text:.1f} pt even on a landscape page;"
            " give it fewer participants or shorter labels",
            "size",
        )
    for line, message in undrawable(diagram):
        where = node["workflow"]
        if line is not None:
            where += f":{line + node['line_offset']}"
        _warn(node, f"{where}: {message}", "font")
    links = LinkTable.of(node["links"])
    graphics = [
        _graphic(
            self,
            node,
            pdf_document([page], link=links, title=node["alt"]),
            "pdf",
            page.width,
            page.height,
            _page_boxes(page, links),
        )
        for page in printed.pages
    ]
    return graphics, printed.paper.landscape


def _warn(node: workflow_diagram, message: str, subtype: str) -> None:
    logger.warning(
        message, location=tuple(node["location"]), type="oswsd", subtype=subtype
    )


def _graphic(
    self: Any,
    node: workflow_diagram,
    data: bytes,
    fmt: str,
    width: float,
    height: float,
    boxes: list[tuple[float, float, float, float, str]],
) -> str:
    """One image, written once under a name made from its content, with a
    link over each linked step (an included PDF loses its own)."""
    name = _save_bytes(data, fmt, Path(self.builder.outdir))
    base, ext = name.rsplit(".", 1)
    length = self.latex_image_length(node["width"]) if node.get("width") else None
    options = f"width={length}" if length else ""
    height = max(1, math.ceil(height))
    links = "".join(
        f"\\oswsdlink{{{_tex(x0)}}}{{{_tex(height - y1)}}}{{{_tex(x1 - x0)}}}"
        f"{{{_tex(y1 - y0)}}}{{{self.encode_uri(url)}}}{{{url.encode().hex()}}}%\n"
        for x0, y0, x1, y1, url in boxes
    )
    return (
        f"\\oswsddiagram{{{options}}}{{{{{base}}}.{ext}}}"
        f"{{{max(1, round(width))}}}{{{height}}}{{%\n{links}}}\n"
    )


def _tex(value: float) -> str:
    return f"{value:.1f}"


def add_latex_support(app: Sphinx) -> None:
    """Ship the small LaTeX package that links the steps of an included PDF."""
    if app.builder.format == "latex":
        copy_asset_file(STYLE, app.builder.outdir)
        app.add_latex_package(STYLE.stem, after_hyperref=True)


# -- builders without images -------------------------------------------------------


def plain_text_fallback(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """For text, man, texinfo and the like: the alt text stands for the image,
    and the steps become an ordinary list."""
    if app.builder.format in ("html", "latex"):
        return
    for node in list(doctree.findall(workflow_diagram)):
        node.replace_self(nodes.paragraph(text=node["alt"]))
    for steps in list(doctree.findall(workflow_steps)):
        steps.replace_self(steps.children)


def latex_figure_fixes(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Make Sphinx's LaTeX figures fit a diagram.

    LaTeX labels a figure through its caption, so a named diagram without
    one gets its title as caption there, and ``:numref:`` works as in HTML.
    A left or right figure would become a ``wrapfigure``, too narrow for a
    diagram and its steps beside the text: diagrams are centred in LaTeX.
    """
    if app.builder.format != "latex":
        return
    for figure in doctree.findall(workflow_figure):
        if figure["names"] and not any(isinstance(c, nodes.caption) for c in figure):
            figure += nodes.caption("", figure_title(figure))
        figure["align"] = "center"
