# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The daemon's own test mode (dhcpd -t, kea-dhcp4 -t, dnsmasq --test) on a candidate config.

The candidate (and, with validate_config, a copy of the main config pointing at it) is written to a
private temporary directory (mode 0700) outside the DHCP config directory, which is removed afterwards:
validation touches nothing next to the live files, in check mode or not. The test runs with the
main config's directory as working directory, so its relative includes resolve as they do for the daemon.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile

from ansible_collections.dect.provisioning.plugins.module_utils._dhcp.masking import masked
from ansible_collections.dect.provisioning.plugins.module_utils._dhcp.plan import DhcpError
from ansible_collections.dect.provisioning.plugins.module_utils._io import FileIOError, write_atomic

DAEMON_DIRS = ["/usr/sbin", "/sbin", "/usr/local/sbin"]


def validation_config(backend, candidate_path, live_path, main_config_text=None):
    """Text of the config the daemon's test mode reads, or None to test the candidate file itself.

    With the daemon's main config (``main_config_text``), the reference to the live include is pointed
    at the candidate, so the test proves the real config works with it; the main config must
    reference ``live_path`` for that. Kea's candidate is already the whole config.
    """
    if backend.edits_in_place or main_config_text is None:
        return None
    pattern = backend.include_pattern(live_path)
    if not pattern.search(main_config_text):
        raise DhcpError(
            "validate_config: the file does not include path %s: add `%s` to it (or leave validate_config"
            " unset to test the owned file alone)" % (live_path, backend.include_hint(live_path)))
    return pattern.sub(lambda m: m.group(1) + candidate_path + m.group(2), main_config_text)


_NOISE = re.compile(
    r"^(Internet Systems Consortium|Copyright|All rights reserved|For info, please visit|If you think you"
    r"|than a configuration issue|bugs on either our web|before submitting a bug|process and the information"
    r"|exiting\.$|\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ +(INFO|DEBUG|WARN))")
_KEA_LOG_PREFIX = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ +\w+ +\[[^\]]*\] ")


def daemon_message(output, shown_as):
    """The daemon's test-mode output without banners, log prefixes and URL passwords.

    ``shown_as`` maps each temporary file name to what the user knows it as (the live path, the main
    config), so the message points at real files.
    """
    lines = []
    for line in output.splitlines():
        if not line.strip() or _NOISE.match(line.strip()):
            continue
        line = _KEA_LOG_PREFIX.sub("", line)
        for temp, name in sorted(shown_as.items(), key=lambda item: -len(item[0] or "")):
            if temp:
                line = line.replace(temp, name)
        lines.append(masked(line.rstrip()))
    return "\n".join(lines)


def validate(module, backend, candidate, live_path, main_config=None, main_text=None):
    """Run the daemon's test mode on ``candidate`` (text); return {command, output}, or raise DhcpError."""
    binary = module.get_bin_path(backend.binary, opt_dirs=DAEMON_DIRS)
    if binary is None:
        raise DhcpError("validate: %s is not installed on this host: install it or set validate: false"
                        % backend.binary, path=live_path)
    workdir = tempfile.mkdtemp(prefix="dect-dhcp-validate.")
    candidate_path = os.path.join(workdir, "candidate-%s" % os.path.basename(live_path))
    wrapper = None
    try:
        write_atomic(candidate_path, candidate.encode("utf-8"), mode=0o600)
        text = validation_config(backend, candidate_path, live_path, main_text)
        if text is not None:
            wrapper = os.path.join(workdir, "main-%s" % os.path.basename(main_config))
            write_atomic(wrapper, text.encode("utf-8"), mode=0o600)
        argv = backend.validate_argv(binary, wrapper or candidate_path)
        rc, out, err = module.run_command(argv, cwd=os.path.dirname(main_config or live_path) or ".")
    except FileIOError as exc:
        raise DhcpError("validate: cannot write the candidate for the test: %s" % exc, path=live_path)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    shown_as = {candidate_path: "%s (candidate)" % live_path, wrapper: "%s (with the candidate)" % main_config}
    report = {"command": argv, "output": daemon_message(out + "\n" + err, shown_as)}
    if rc != 0:
        raise DhcpError("%s rejected the new configuration (live file left untouched): %s"
                        % (backend.binary, report["output"]), rc=rc, path=live_path, validation=report)
    return report
