"""Facts read from a source tree's AST (``sources/facts.py``): a small tree
written here holds each pattern the real projects use."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from sphinxcontrib_oswsd.sources import SourceIndex
from sphinxcontrib_oswsd.sources.facts import extract_facts
from sphinxcontrib_oswsd.sources.index import loads_gz

TREE = {
    "proj/__init__.py": "",
    "proj/rpcapi.py": """
        class ComputeAPI:
            def pause_instance(self, ctxt, instance):
                cctxt = self.router.client(ctxt).prepare(server='h')
                cctxt.cast(ctxt, 'pause_instance', instance=instance)

            def get_console(self, ctxt):
                return self.client.prepare().call(ctxt, 'get_console')

            def refresh(self, ctxt):
                cctxt = self.client.prepare(fanout=True)
                cctxt.cast(ctxt, 'refresh_cache')

            def confirm(self, ctxt, cast=True):
                rpc_method = cctxt.cast if cast else cctxt.call
                rpc_method(ctxt, 'confirm_resize')

            def _notify(self, context, method, payload):
                self.client.prepare(fanout=True).cast(context, method, p=payload)

            def port_update(self, context, port):
                self._notify(context, 'port_update', port)

            def _prepare_fanout(self, obj):
                return self.client.prepare(fanout=True, topic=obj)

            def push(self, context, obj):
                cctxt = self._prepare_fanout(obj)
                cctxt.cast(context, 'push', obj=obj)

            def _notification(self, context, method, routers):
                if plugin:
                    self._agent_notification(context, method, routers)
                else:
                    cctxt = self.client.prepare(fanout=True)
                    cctxt.cast(context, method, routers=routers)

            def _agent_notification(self, context, method, routers):
                for host in hosts:
                    cctxt = self.client.prepare(server=host)
                    cctxt.cast(context, method, routers=routers)

            def routers_updated(self, context, routers):
                self._notification(context, 'routers_updated', routers)

            def _cast_message(self, context, action, payload):
                method = action + '_end'
                self.client.prepare().cast(context, method, payload=payload)
                subprocess.call(context, method)  # not an RPC client
        """,
    "proj/policies/__init__.py": "",
    "proj/policies/base.py": """
        from oslo_policy import policy
        PROJECT_MEMBER_OR_ADMIN = 'rule:project_member_or_admin'
        rules = [
            policy.RuleDefault("context_is_admin", "role:admin"),
            policy.RuleDefault(
                "project_member_or_admin",
                "role:member and project_id:%(project_id)s or rule:context_is_admin"),
        ]
        """,
    "proj/policies/pause.py": """
        from oslo_policy import policy
        from proj.policies import base
        ROOT = 'os_compute_api:os-pause-server:%s'
        rules = [
            policy.DocumentedRuleDefault(
                name=ROOT % 'pause', check_str=base.PROJECT_MEMBER_OR_ADMIN,
                description='x', operations=[]),
            policy.DocumentedRuleDefault(
                name=f"{ROOT % 'x'}:host",
                check_str='(' + base.PROJECT_MEMBER_OR_ADMIN + ')',
                description='x', operations=[]),
        ]
        """,
    "proj/conf/__init__.py": "",
    "proj/conf/workarounds.py": """
        from oslo_config import cfg
        GROUP = 'workarounds'
        workarounds_group = cfg.OptGroup(GROUP, title='W')
        opts = [
            cfg.BoolOpt('enable_announce', default=False, help='x'),
            cfg.IntOpt('timeout', default=600),
            cfg.ListOpt('kinds', default=['a', 'b']),
        ]
        more = [cfg.StrOpt('path', default=os.path.join('a', 'b'))]
        ALL_OPTS = opts + more

        def register_opts(conf):
            conf.register_opts(ALL_OPTS, group=workarounds_group)
        """,
    "proj/conf/compute.py": """
        from oslo_config import cfg
        compute_opts = [cfg.StrOpt('host_name')]

        def list_opts():
            return {'DEFAULT': compute_opts}
        """,
    "proj/conf/token.py": """
        from oslo_config import cfg
        GROUP_NAME = __name__.split('.')[-1]
        ALL_OPTS = [cfg.IntOpt('expiration', default=3600)]

        def register_opts(conf):
            conf.register_opts(ALL_OPTS, group=GROUP_NAME)
        """,
    "proj/conf/quota.py": """
        from oslo_config import cfg
        QUOTAS_CFG_GROUP = 'QUOTAS'
        core_quota_opts = [cfg.IntOpt('quota_port', default=500)]

        def register_quota_opts(opts, cfg=cfg.CONF):
            cfg.register_opts(opts, QUOTAS_CFG_GROUP)
        """,
    "proj/quota_user.py": """
        from proj.conf import quota
        quota.register_quota_opts(quota.core_quota_opts)
        """,
    "proj/conf/other.py": """
        from oslo_config import cfg
        from proj.conf import compute
        CONF = cfg.CONF
        CONF.register_opts(compute.compute_opts, group='other')
        CONF.register_opt(cfg.BoolOpt('single', default=True), group='solo')
        """,
    "proj/notifications.py": """
        @base.notification_sample('instance-pause-start.json')
        @base.notification_sample('instance-volume_attach-end.json')
        class InstanceActionPayload:
            pass

        def notify_about_instance_usage(notifier, context, instance, event_suffix):
            method = notifier.info
            method(context, 'compute.instance.%s' % event_suffix, {})

        def load_compute_driver(virtapi, compute_driver):
            return importutils.import_object('nova.virt.%s' % compute_driver)

        def notify_tag_action(context, action, resource):
            tag_event = 'tag.%s' % action
            notifier.info(context, tag_event, {})

        def tag(context):
            notify_tag_action(context, 'create.start', 'network')

        def notify_interface(context, info, action):
            mapping = {'add': 'create', 'remove': 'delete'}
            router_event = 'router.interface.%s' % mapping[action]
            notifier.info(context, router_event, info)
            labels = {'add': 'not an event'}
            other_event = 'port.%s' % labels[action]

        def notify_about_host_update(context, event_suffix, payload):
            notifier.info(context, 'HostAPI.%s' % event_suffix, payload)

        def power(context):
            notify_about_host_update(context, 'power_action.start', {})
        """,
    "proj/manager.py": """
        from proj import notifications
        LOG = None
        SERVICE = 'identity'

        class Manager:
            def _notify_about_instance_usage(self, context, instance, event_suffix):
                notifications.notify_about_instance_usage(
                    self.notifier, context, instance, event_suffix)

            def _send_prep(self, context, instance, phase, delete_type):
                self._notify_about_instance_usage(
                    context, instance, 'resize.prep.%s' % phase)
                self._notify_about_instance_usage(
                    context, instance, '%s.start' % delete_type)

            def pause(self, context, instance):
                self._notify_about_instance_usage(context, instance, 'pause.start')
                driver.load_compute_driver(None, 'acpi')
                self.notifier.info(context, 'scheduler.select.end', {})
                LOG.info('not.an.event')
                self._notifier.info(context, self._resource + '.create.start', {})
                event_type = f'{SERVICE}.{resource_type}.{operation}'
                event_str = '.'.join(['identity', resource_type, 'created'])
                migration.status = 'queued'
                self._set_migration_status(migration, 'running')
        """,
    "proj/rpc.py": """
        class LegacyValidatingNotifier:
            allowed_legacy_notification_event_types = [
                'compute.instance.resize.start',
                'compute_task.migrate_server',
            ]
        """,
    "proj/fields.py": """
        class InstanceState:
            ACTIVE = 'active'
            PAUSED = 'paused'
            ALL = (ACTIVE, PAUSED)
        """,
    "proj/api.py": """
        import http.client as http
        import webob

        class PauseController:
            @wsgi.response(202)
            def _pause(self, req, id, body):
                pass

            def show(self, req, id):
                return {}

            def create(self, req):
                return body, http.CREATED

            def delete(self, req, id):
                return webob.exc.HTTPNoContent()

            def post(self):
                response = flask.make_response(body, http.CREATED)
                return response

            def attach(self, req, id):
                if new:
                    return webob.Response(status_int=202)
                return {'volumeAttachment': {}}

        def when_delete(index):
            return _composed(_set_del_code, index)

        def _set_del_code(f):
            def wrapped(*args):
                f(*args)
                pecan.response.status = 204
            return wrapped

        class ItemController:
            @utils.when_delete(index)
            def delete(self):
                pass

        class ResponseSerializer:
            def upload(self, response, result):
                response.status_int = http.NO_CONTENT

            def download(self, response, image):
                if ranged:
                    response.status_int = 206
                try:
                    response.app_iter = image.get_data()
                except NotFound:
                    raise webob.exc.HTTPNoContent()
        """,
}


@pytest.fixture(scope="module")
def facts(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("tree")
    for name, text in TREE.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    found, notes = extract_facts("proj", root)
    assert notes == []
    return found


def test_rpc_casts_calls_fanout_and_forwarded_method_names(facts):
    rpc = facts["rpc"]["proj/rpcapi.py"]
    assert rpc["ComputeAPI.pause_instance"] == [["cast", "pause_instance", 0]]
    assert rpc["ComputeAPI.get_console"] == [["call", "get_console", 0]]
    assert rpc["ComputeAPI.refresh"] == [["cast", "refresh_cache", 1]]
    assert sorted(rpc["ComputeAPI.confirm"]) == [
        ["call", "confirm_resize", 0],
        ["cast", "confirm_resize", 0],
    ]
    assert rpc["ComputeAPI.port_update"] == [["cast", "port_update", 1]]
    assert rpc["ComputeAPI._cast_message"] == [["cast", "*", 0]]
    assert rpc["ComputeAPI.push"] == [["cast", "push", 1]]  # through a helper
    # one host at a time through a second helper, or all of them
    assert rpc["ComputeAPI.routers_updated"] == [
        ["cast", "routers_updated", 0],
        ["cast", "routers_updated", 1],
    ]


def test_policy_names_and_check_strings_follow_constants_across_modules(facts):
    policy = facts["policy"]
    assert policy["os_compute_api:os-pause-server:pause"] == (
        "rule:project_member_or_admin"
    )
    assert policy["os_compute_api:os-pause-server:x:host"] == (
        "(rule:project_member_or_admin)"
    )
    assert policy["context_is_admin"] == "role:admin"


def test_options_get_their_group_from_registration_or_list_opts(facts):
    options = facts["option"]
    assert options["workarounds"]["enable_announce"] == "False"
    assert options["workarounds"]["timeout"] == "600"
    assert options["workarounds"]["kinds"] == "a,b"
    assert options["workarounds"]["path"] == "os.path.join('a', 'b')"
    assert options["DEFAULT"]["host_name"] == "None"
    assert options["other"]["host_name"] == "None"  # registered through an import
    assert options["solo"]["single"] == "True"
    assert options["token"]["expiration"] == "3600"  # the group is the module's name
    assert options["QUOTAS"]["quota_port"] == "500"  # through a registering helper


def test_notifications_versioned_samples_and_prefixed_suffixes(facts):
    legacy, versioned = (
        facts["notification"]["legacy"],
        facts["notification"]["versioned"],
    )
    events = set(legacy) | set(versioned)
    # samples are versioned; what notifiers are given is legacy
    assert "instance.pause.start" in versioned and "instance.pause.start" not in legacy
    assert "compute.instance.pause.start" in set(legacy) - set(versioned)
    assert {"instance.pause.start", "instance.volume_attach.end"} <= events
    assert "compute.instance.pause.start" in events  # through the wrapper
    assert "pause.start" not in events  # only a suffix
    assert "HostAPI.power_action.start" in events
    assert "tag.create.start" in events
    assert not any(e.startswith("nova.virt") for e in events)  # not a notification
    assert "scheduler.select.end" in events
    # a suffix built at run time: its unknown last part is "*", never its first
    assert "compute.instance.resize.prep.*" in events
    assert "compute.instance.*.start" not in events
    # what nova says its legacy notifier allows
    assert {"compute.instance.resize.start", "compute_task.migrate_server"} <= set(
        legacy
    )
    # one event per value of the mapping the suffix is looked up in
    assert {"router.interface.create", "router.interface.delete"} <= events
    assert not any(e.startswith(("router.interface.*", "port.")) for e in events)
    assert "not.an.event" not in events  # a log message
    # built at run time: the unknown parts are "*"
    assert {"*.create.start", "identity.*.*", "identity.*.created"} <= events


def test_states_of_a_class_and_of_assigned_strings(tmp_path, monkeypatch):
    from sphinxcontrib_oswsd.sources import facts as module

    root = tmp_path / "tree"
    for name, text in TREE.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    monkeypatch.setitem(
        module.STATE_SOURCES,
        "proj",
        {"vm_state": ("proj/fields.py:InstanceState",), "status": ("attr:status",)},
    )
    states = extract_facts("proj", root)[0]["state"]
    assert states["vm_state"] == ["ACTIVE", "PAUSED", "active", "paused"]
    assert states["status"] == ["queued", "running"]


def test_http_success_codes(facts):
    http = facts["http"]["proj/api.py"]
    assert http["PauseController._pause"] == [202]
    assert http["PauseController.create"] == [201]
    assert http["PauseController.delete"] == [204]
    assert http["PauseController.post"] == [201]  # flask
    assert http["PauseController.attach"] == [200, 202]  # 202, else the default
    assert http["ResponseSerializer.upload"] == [204]
    # 206 only for a range, else the default; 204 only when the data is gone
    assert http["ResponseSerializer.download"] == [200, 206]
    assert "PauseController.show" not in http  # the framework's default
    assert http["ItemController.delete"] == [204]  # from its decorator


def test_an_index_keeps_its_facts_and_an_index_without_facts_still_loads(
    tmp_path: Path,
):
    root = tmp_path / "tree"
    for name, text in TREE.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    index, _ = SourceIndex.build("proj", "1.0", root)
    index.save(tmp_path / "proj-1.0.json.gz")
    again = SourceIndex.load(tmp_path / "proj-1.0.json.gz")
    assert again.facts == index.facts and again.facts["rpc"]
    old = SourceIndex("proj", "1.0", index.modules)  # the format before facts
    old.save(tmp_path / "old.json.gz")
    assert "facts" not in loads_gz((tmp_path / "old.json.gz").read_bytes())
    assert SourceIndex.load(tmp_path / "old.json.gz").facts == {}


def test_a_support_library_lends_its_names_and_rules(tmp_path, capsys):
    """neutron's policies use neutron-lib's check strings and base rules."""
    import importlib.util

    files = {
        "proj-1.0/proj/__init__.py": "",
        "proj-1.0/proj/policies.py": """
            from oslo_policy import policy
            from lib.policy import rules as lib_rules
            rules = [policy.RuleDefault('create_port', lib_rules.ADMIN_OR_MEMBER)]
            """,
        "lib-2.0/lib/__init__.py": "",
        "lib-2.0/lib/policy/__init__.py": "",
        "lib-2.0/lib/policy/rules.py": """
            ADMIN = 'rule:admin_only'
            MEMBER = 'role:member and project_id:%(project_id)s'
            ADMIN_OR_MEMBER = '(' + ADMIN + ') or (' + MEMBER + ')'
            """,
        "lib-2.0/lib/policy/_engine.py": """
            from oslo_policy import policy
            _BASE_RULES = [policy.RuleDefault('admin_only', 'role:admin')]
            """,
    }
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    alone = extract_facts("proj", tmp_path / "proj-1.0")[0]["policy"]
    assert "create_port" not in alone  # its check string is in the library
    script = Path(__file__).parent.parent / "tools" / "build_indexes.py"
    spec = importlib.util.spec_from_file_location("build_indexes", script)
    build_indexes = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build_indexes)
    out = tmp_path / "data"
    out.mkdir()
    argv = ["--unpacked", str(tmp_path), "--output", str(out), "--support", "lib==2.0"]
    assert build_indexes.main([*argv, "proj==1.0"]) == 0
    policy = SourceIndex.load(out / "proj-1.0.json.gz").facts["policy"]
    assert policy["create_port"] == (
        "(rule:admin_only) or (role:member and project_id:%(project_id)s)"
    )
    assert policy["admin_only"] == "role:admin"
    assert "policy 2" in capsys.readouterr().out
