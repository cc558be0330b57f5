# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One run of dect.provisioning.dhcp_option66: parameters in, result dict out; DhcpError on any failure.

Every file is read and written through module_utils._io: a symlink or anything but a regular file at
``path``, ``validate_config`` or a backup name is refused, nothing is written through it, and writes
are atomic with mode and owner set before the rename.
"""

from __future__ import annotations

import grp
import os
import pwd
import stat
import time

from ansible_collections.dect.provisioning.plugins.module_utils._dhcp.dnsmasq import DnsmasqBackend
from ansible_collections.dect.provisioning.plugins.module_utils._dhcp.isc import IscBackend
from ansible_collections.dect.provisioning.plugins.module_utils._dhcp.kea import KeaBackend, kea_merge
from ansible_collections.dect.provisioning.plugins.module_utils._dhcp.masking import masked, url_secret
from ansible_collections.dect.provisioning.plugins.module_utils._dhcp.plan import (
    BACKENDS,
    MANAGED_BY,
    DhcpError,
    NotBackendFormat,
    make_plan,
)
from ansible_collections.dect.provisioning.plugins.module_utils._dhcp.validate import validate
from ansible_collections.dect.provisioning.plugins.module_utils._io import (
    FileIOError,
    read_if_exists,
    remove_if_exists,
    write_atomic,
)

BACKEND_CLASSES = {"isc": IscBackend, "kea": KeaBackend, "dnsmasq": DnsmasqBackend}
MAX_CONFIG_BYTES = 32 * 1024 * 1024  # a DHCP config (Kea's with thousands of reservations) is far smaller


def get_backend(name):
    if name not in BACKEND_CLASSES:
        raise DhcpError("backend: '%s' is not allowed: allowed %s" % (name, ", ".join(BACKENDS)))
    return BACKEND_CLASSES[name]()


def read_text(path, option):
    """The text of ``path`` (None when absent); errors name ``option`` and the path."""
    try:
        data = read_if_exists(path, MAX_CONFIG_BYTES)
    except FileIOError as exc:
        raise DhcpError("%s: %s" % (option, exc), path=path)
    try:
        return None if data is None else data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DhcpError("%s: %s is not UTF-8 text (byte 0x%02x at offset %d)"
                        % (option, path, data[exc.start], exc.start), path=path)


def hide_url_secrets(module):
    """Every password of the URL parameters joins no_log_values before any check can quote it."""
    params = module.params
    urls = [params["url"]] + [host.get("url") for host in params["hosts"] or [] if isinstance(host, dict)]
    module.no_log_values.update(secret for secret in map(url_secret, urls) if secret)


def plan_from_params(params):
    if params["subnet"] and params["backend"] != "kea":
        raise DhcpError("subnet: used by backend kea only; for %s the scope is where the file is included"
                        % params["backend"])
    if params["validate_config"] and params["backend"] == "kea":
        raise DhcpError("validate_config: not used by backend kea: path is the whole config and is tested as is")
    if params["state"] == "absent":
        return None
    return make_plan(params["hosts"], params["url"], params["scope"], params["subnet"])


def check_owned(backend, live_text, path, force):
    """Refuse to replace (or remove) an existing include file this module did not write, unless ``force``.

    ISC dhcpd and dnsmasq own their file whole: pointed at the daemon's main config or at a Kea JSON,
    they would replace it with host declarations. (Kea edits in place and refuses a file that is not a
    Kea config in candidate_text, force or not: there is nothing to edit.)
    """
    if backend.edits_in_place or live_text is None or force or backend.owns(live_text):
        return
    raise DhcpError(
        "path: %s exists without the header this module writes ('%s Managed by %s: ...'); found %s."
        " The %s backend owns its file whole and would replace it: nothing written. Point path at a file of"
        " its own (one the daemon's config includes), or set force: true to replace it"
        % (path, backend.comment, MANAGED_BY, _found(live_text), backend.name), path=path)


def _found(text):
    """What a foreign file looks like, without quoting it (it may hold keys or passwords)."""
    if '"Dhcp4"' in text:
        return 'a Kea DHCPv4 config ("Dhcp4")'
    code = [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith(("#", "//"))]
    if code and code[0].startswith(("{", "[")):
        return "JSON"
    return "%d line%s of another configuration" % (len(text.splitlines()), "" if len(text.splitlines()) == 1 else "s")


def candidate_text(backend, live_text, plan, path):
    """The new text of ``path``, or None when the file goes (state=absent)."""
    try:
        if plan is None:
            return kea_merge(live_text, None) if backend.edits_in_place and live_text is not None else None
        if backend.edits_in_place and live_text is None:
            raise DhcpError("path: %s does not exist: for backend kea, path is the daemon's existing config,"
                            " edited in place" % path, path=path)
        return backend.candidate(live_text, plan)
    except NotBackendFormat as exc:
        raise DhcpError("path: %s: %s; nothing written (the kea backend edits the daemon's config in place,"
                        " it never replaces a file, force or not)" % (path, str(exc)[len("path: "):]), path=path)


def _octal_mode(module, mode, live):
    if mode is None or isinstance(mode, int):
        return mode
    try:
        if str(mode).isdigit():
            return int(str(mode), 8)
        umask = os.umask(0)
        os.umask(umask)
        base = live or os.stat_result((stat.S_IFREG | (0o644 & ~umask),) + (0,) * 9)
        return module._symbolic_mode_to_octal(base, mode)
    except ValueError:
        raise DhcpError("mode: '%s' is neither an octal nor a symbolic mode" % mode)


def _id(value, database, option):
    if value is None or isinstance(value, int) or str(value).isdigit():
        return None if value is None else int(value)
    try:
        return database(value)[2]
    except KeyError:
        raise DhcpError("%s: '%s' does not exist on this host" % (option, value))


def file_attributes(module, path):
    """mode, owner, group for write_atomic: the parameters, else those of the file being replaced."""
    params = module.params
    try:
        live = os.lstat(path)
    except FileNotFoundError:
        live = None
    owner, group = _id(params["owner"], pwd.getpwnam, "owner"), _id(params["group"], grp.getgrnam, "group")
    return dict(mode=_octal_mode(module, params["mode"], live),
                owner=owner if owner is not None or live is None else live.st_uid,
                group=group if group is not None or live is None else live.st_gid)


def backup(path, live_bytes):
    """A timestamped copy next to ``path`` (the name AnsibleModule.backup_local uses), same mode and owner."""
    name = "%s.%s.%s" % (path, os.getpid(), time.strftime("%Y-%m-%d@%H:%M:%S~", time.localtime()))
    live = os.lstat(path)
    write_atomic(name, live_bytes, mode=stat.S_IMODE(live.st_mode), owner=live.st_uid, group=live.st_gid)
    return name


def run(module):
    """Check, render, validate, write; return the result dict. Raises DhcpError."""
    params = module.params
    hide_url_secrets(module)
    path = params["path"]
    backend = get_backend(params["backend"])
    plan = plan_from_params(params)
    directory = os.path.dirname(path) or "."
    if not os.path.isdir(directory):
        raise DhcpError("path: directory %s does not exist" % directory, path=path)
    live_text = read_text(path, "path")
    check_owned(backend, live_text, path, params["force"])
    new_text = candidate_text(backend, live_text, plan, path)
    attributes = file_attributes(module, path) if new_text is not None else {}  # bad mode/owner fail in check mode too
    result = dict(
        changed=False, path=path, service=backend.service._asdict(),
        hosts=[dict(name=h.name, mac=h.mac, ip=h.ip, url=masked(h.url)) for h in (plan.hosts if plan else [])])
    changed = (live_text is not None) if new_text is None else new_text != live_text
    if changed and module._diff:
        result["diff"] = dict(before=masked(backend.shown(live_text or "")), before_header=path,
                              after=masked(backend.shown(new_text or "")), after_header=path)
    if changed and new_text is not None and params["validate"]:
        main_config = params["validate_config"]
        main_text = read_text(main_config, "validate_config") if main_config else None
        if main_config and main_text is None:
            raise DhcpError("validate_config: %s does not exist" % main_config, path=path)
        result["validation"] = validate(module, backend, new_text, path, main_config, main_text)
    if changed and not module.check_mode:
        try:
            if params["backup"] and live_text is not None:
                result["backup_file"] = backup(path, live_text.encode("utf-8"))
            if new_text is None:
                remove_if_exists(path)
            else:
                write_atomic(path, new_text.encode("utf-8"), **attributes)
        except FileIOError as exc:
            raise DhcpError("path: %s" % exc, path=path)
    result["changed"] = changed
    if new_text is not None and os.path.lexists(path):
        file_args = module.load_file_common_arguments(params, path=path)
        result["changed"] = module.set_fs_attributes_if_different(file_args, changed)
    return result
