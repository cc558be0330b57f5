"""What a Spectralink DECT server does at a provisioning check, as the guide describes it.

A check fetches ``<mac>-config.xml`` (when ``provisioning.config.check``), applies it by replacing
the whole configuration, fetches ``<mac>-users.xml`` (when ``provisioning.users.check``), then for
each firmware name in ``provisioning.firmware`` fetches ``<name>.ver`` and, only when that text
differs from the running version, ``<name>``. A new server firmware (``kws``) makes the device
reboot at once ("rebooted immediately after the firmware is updated"): nothing else is fetched in
that check, and the booting device checks again.

The emulator reads files with its own guide.py and transfer.py, never with the collection's code,
so it can catch a misreading instead of sharing it.

Everything the device does is recorded by ``Recorder`` (see docs/emulator.md for the format).
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import os
import sys
import threading
import time

from devtools.emulator import transfer
from devtools.emulator.guide import (
    FIRMWARE_KINDS,
    GuideError,
    check_users,
    default_kws,
    distribution,
    file_name,
    firmware_names,
    mask_url,
    masked,
    normalize_mac,
    parse_url,
    provisioning_of,
    read_config,
    read_users,
    user_disabled,
    user_extensions,
    ver_name,
)

# The emulator only ever talks to loopback and documentation addresses: a URL from a config or a
# DHCP answer pointing anywhere else is refused, never contacted (and never resolved by DNS).
SAFE_NETWORKS = tuple(ipaddress.ip_network(net) for net in (
    "127.0.0.0/8", "::1/128", "192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32"))
MAX_REBOOTS_PER_TRIGGER = 3


def now_iso():
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds")


def is_safe_host(host):
    if host == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return any(address in network for network in SAFE_NETWORKS)


def seconds_until_daily(hhmm, now=None):
    """Seconds from ``now`` (a local datetime) to the next wall-clock ``hh:mm`` (0 < result <= 1 day)."""
    now = now or datetime.datetime.now()
    hours, minutes = (int(part) for part in hhmm.split(":"))
    due = now.replace(hour=hours, minute=minutes, second=0, microsecond=0)
    if due <= now:
        due += datetime.timedelta(days=1)
    return (due - now).total_seconds()


class Recorder:
    """Writes ``fetches.jsonl``, ``sip.jsonl`` and ``events.jsonl`` (one JSON object a line, appended
    and flushed as things happen) and ``state.json`` (replaced atomically) in the state directory."""

    def __init__(self, state_dir):
        self.dir = state_dir
        os.makedirs(state_dir, exist_ok=True)
        self.lock = threading.Lock()

    def _append(self, name, entry):
        entry = dict(entry, time=now_iso(), mono=round(time.monotonic(), 4))
        line = json.dumps(entry, sort_keys=True)
        with self.lock:
            with open(os.path.join(self.dir, name), "a") as handle:
                handle.write(line + "\n")
        return entry

    def fetch(self, entry):
        return self._append("fetches.jsonl", entry)

    def sip(self, entry):
        return self._append("sip.jsonl", entry)

    def event(self, entry):
        entry = self._append("events.jsonl", entry)
        # One line per event on stderr, for a human reading the emulator's log.
        details = " ".join("%s=%s" % (k, v) for k, v in sorted(entry.items()) if k not in ("event", "time", "mono"))
        sys.stderr.write("%s %s %s\n" % (entry["time"], entry["event"], details))
        sys.stderr.flush()
        return entry

    def state(self, state):
        path = os.path.join(self.dir, "state.json")
        with self.lock:
            with open(path + ".tmp", "w") as handle:
                json.dump(dict(state, updated=now_iso()), handle, indent=2, sort_keys=True)
            os.replace(path + ".tmp", path)


class Device:
    """The provisioning behaviour of one DECT server; ``check()`` is one provisioning check.

    Used from one thread (the scheduler's); SIP listeners only queue triggers and read the
    ``usernames`` snapshot.
    """

    def __init__(self, mac, model, recorder, static_url=None, dhcp_url=None, ca_path=None, timeout=3.0,
                 retries=3, running=None, any_sip_user=False):
        self.mac = normalize_mac(mac)
        self.model = str(model)
        self.recorder = recorder
        self.static_url = static_url      # --url: the administrator's static setting
        self.dhcp_lookup = dhcp_url       # option 66 of the current lease (text, or a callable giving it)
        self.ca_path, self.timeout, self.retries = ca_path, timeout, retries
        self.running = dict(running or {"kws": "factory"})
        self.staged = {}                  # non-kws firmware the server holds to hand on (base stations, handsets)
        self.settings = None              # the applied configuration (nested dict), None = factory
        self.config_sha256 = None
        self.users = None                 # {"sha256", "count", "usernames", "disabled", ...} once a users file is applied
        self.users_refused = None         # the last users file the device refused: {"sha256", "error"}
        self.extensions = {}              # check-sync addressable name -> enabled (True) / disabled (False)
        self.any_sip_user = any_sip_user  # lab: answer check-sync for any user (see docs/emulator.md)
        self.check_sync = {"answered": 0, "last": None}
        self.boots = 0
        self.checks = 0
        self.last_check = None
        self.extra_state = {}

    # -- where to fetch from

    @property
    def provisioning(self):
        return provisioning_of(self.settings)

    @property
    def dhcp_url(self):
        lookup = self.dhcp_lookup
        return lookup() if callable(lookup) else lookup

    def current_url(self):
        """(url text, source): the applied config's static URL wins once a config said so."""
        prov = self.provisioning
        if self.settings is not None and prov["method"] == "disabled":
            return None, "disabled"
        if self.settings is not None and prov["method"] == "static" and prov["url"]:
            return prov["url"], "config"
        dhcp_url = self.dhcp_url
        if self.settings is not None and prov["method"] == "dhcp" and dhcp_url:
            return dhcp_url, "dhcp"
        if self.static_url:
            return self.static_url, "static"
        return dhcp_url, "dhcp"

    # -- the check

    def boot(self):
        """Power-on: the device checks at once."""
        self.boots += 1
        self.recorder.event({"event": "boot", "boots": self.boots, "running": dict(self.running)})
        self.save_state()
        self.check("boot")

    def check(self, reason):
        """One provisioning check, plus the reboots (and their checks) a new server firmware causes."""
        for _reboot in range(MAX_REBOOTS_PER_TRIGGER):
            if not self._check_once(reason):
                return
            self.reboot("new server firmware")
            reason = "boot"
        self.recorder.event({"event": "reboot-loop-stopped", "limit": MAX_REBOOTS_PER_TRIGGER})

    def reboot(self, cause):
        self.boots += 1
        self.recorder.event({"event": "reboot", "boots": self.boots, "running": dict(self.running), "cause": cause})

    def _check_once(self, reason):
        self.checks += 1
        number = self.checks
        started = time.monotonic()
        text, source = self.current_url()
        self.recorder.event({"event": "check-start", "check": number, "reason": reason,
                             "url": mask_url(text) if text else None, "url_source": source})
        reboot = False
        url = self._usable_url(text, source, number)
        if url is not None:
            reboot = self._fetch_all(url, number, reason)
        self.last_check = {"check": number, "reason": reason, "url": mask_url(text) if text else None,
                           "url_source": source, "seconds": round(time.monotonic() - started, 4)}
        self.recorder.event(dict(self.last_check, event="check-end", reboot=reboot))
        self.save_state()
        return reboot

    def _usable_url(self, text, source, number):
        if not text:
            self.recorder.event({"event": "no-url", "check": number, "url_source": source})
            return None
        try:
            url = parse_url(text)
        except ValueError as exc:
            self.recorder.event({"event": "bad-url", "check": number, "error": str(exc)})
            return None
        if not is_safe_host(url.host):
            self.recorder.event({"event": "refused-url", "check": number, "url": mask_url(text),
                                 "error": "the emulator contacts only loopback and TEST-NET addresses"})
            return None
        return url

    def _fetch(self, url, name, kind, number, reason, firmware_kind=None, keep_data=True):
        result = transfer.fetch(url, name, ca_path=self.ca_path, timeout=self.timeout, retries=self.retries,
                                keep_data=keep_data)
        entry = {"check": number, "reason": reason, "file": name, "kind": kind, "firmware_kind": firmware_kind,
                 "protocol": url.protocol, "location": result.location, "status": result.status,
                 "code": result.code, "size": result.size, "sha256": result.sha256, "error": result.error}
        return result, entry

    def _fetch_all(self, url, number, reason):
        if self.provisioning["config_check"]:
            self._config(url, number, reason)
        if self.provisioning["users_check"]:
            self._users(url, number, reason)
        for kind, name in firmware_names(self.settings, self.model):
            if self._firmware(url, kind, name, number, reason):
                return True  # new server firmware: the device reboots now, fetching nothing more
        return False

    def _config(self, url, number, reason):
        result, entry = self._fetch(url, file_name(self.mac, "config"), "config", number, reason)
        if result.status == "ok":
            entry["outcome"] = self._apply_config(result)
        self.recorder.fetch(entry)

    def _apply_config(self, result):
        if result.sha256 == self.config_sha256:
            return "unchanged"
        try:
            settings = read_config(result.data)
        except GuideError as exc:
            return "rejected: %s" % exc
        self.settings, self.config_sha256 = settings, result.sha256
        return "applied"

    def _users(self, url, number, reason):
        result, entry = self._fetch(url, file_name(self.mac, "users"), "users", number, reason)
        if result.status == "ok":
            entry["outcome"] = self._apply_users(result)
        self.recorder.fetch(entry)

    def _apply_users(self, result):
        if self.users is not None and result.sha256 == self.users["sha256"]:
            self.users_refused = None  # back to the file it has: nothing refused any more
            return "unchanged"
        if self.users_refused is not None and result.sha256 == self.users_refused["sha256"]:
            return "rejected: %s" % self.users_refused["error"]  # the same file again: refused again, logged once
        try:
            records = read_users(result.data)
            check_users(records, self.model)
        except GuideError as exc:
            # The device refuses the file and keeps the users it had.
            self.users_refused = {"sha256": result.sha256, "error": str(exc), "time": now_iso()}
            self.recorder.event({"event": "users-refused", "error": str(exc)})
            return "rejected: %s" % exc
        names = [record.get("username") or record.get("localno") or "" for record in records]
        extensions = {}
        for record in records:
            for name in user_extensions(record, self.model):
                extensions.setdefault(name, not user_disabled(record))
        self.users = {"sha256": result.sha256, "count": len(names), "usernames": names,
                      "disabled": [name for name, record in zip(names, records) if user_disabled(record)]}
        self.extensions = extensions
        self.users_refused = None
        return "applied"

    def _firmware(self, url, kind, name, number, reason):
        """Fetch ``<name>.ver``; fetch ``<name>`` only when the version differs. True: reboot now."""
        ver, entry = self._fetch(url, ver_name(name), "version", number, reason, kind)
        current = self.running.get(kind) if kind == "kws" else self.staged.get(kind)
        version = ver.data.decode("utf-8", "replace").strip() if ver.status == "ok" else None
        entry.update(version=version, running=current)
        if ver.status != "ok" or not version:
            entry["outcome"] = "no version" if ver.status == "ok" else "not checked"
            self.recorder.fetch(entry)
            return False
        if version == current:
            entry["outcome"] = "same version"
            self.recorder.fetch(entry)
            return False
        entry["outcome"] = "new version"
        self.recorder.fetch(entry)
        image, entry = self._fetch(url, name, "firmware", number, reason, kind, keep_data=False)
        entry.update(version=version)
        if image.status != "ok" or not image.size:
            entry["outcome"] = "update failed"
            self.recorder.fetch(entry)
            return False
        if kind == "kws":
            self.running[kind] = version
            entry["outcome"] = "installed, rebooting"
        else:
            self.staged[kind] = version
            applied, detail = distribution(self.settings, self.model, kind)
            entry["outcome"] = "staged, applied to %s" % detail if applied else "staged, not applied: %s" % detail
        self.recorder.fetch(entry)
        return kind == "kws"

    # -- check-sync

    def check_sync_action(self):
        """What a NOTIFY check-sync makes this device do now: 'update', 'reboot' or None (disabled)."""
        action = self.provisioning["check_sync"]
        return None if action == "disabled" else action

    def check_sync_refusal(self, user):
        """None when this device takes a check-sync for ``user`` (the Request-URI's user part), else the
        ``(status, reason, why)`` it answers: the guide sends check-sync "to one of the extensions/user
        names handled by" the server, so a user it does not have, or has disabled, is not found.
        Called from SIP listener threads: reads the ``extensions`` snapshot only."""
        if self.any_sip_user:
            return None
        extensions = self.extensions
        if not user:
            return 404, "Not Found", "no user part in the Request-URI"
        if user not in extensions:
            return 404, "Not Found", ("no users file applied" if self.users is None
                                      else "no user '%s' in the applied users file" % user)
        if not extensions[user]:
            return 404, "Not Found", "user '%s' is disabled in the applied users file" % user
        return None

    def note_check_sync(self, action):
        """The scheduler handled an answered check-sync with ``action`` (the reaction in effect)."""
        self.check_sync = {"answered": self.check_sync["answered"] + 1,
                           "last": {"time": now_iso(), "reaction": action or "disabled"}}

    def firmware_distribution(self):
        """Per base station/handset kind the config names, whether the server hands it on, and why not."""
        out = {}
        section = (self.settings or {}).get("provisioning", {})
        names = section.get("firmware", {}) if isinstance(section, dict) else {}
        for kind in (kind for kind in FIRMWARE_KINDS if kind != "kws"):
            if not isinstance(names, dict) or not isinstance(names.get(kind), str) or not names[kind].strip():
                continue
            applied, detail = distribution(self.settings, self.model, kind)
            row = {"file": names[kind].strip(), "version": self.staged.get(kind), "applied": applied}
            row["devices" if applied else "reason"] = detail
            if applied and self.staged.get(kind) is None:
                row.update(applied=False, reason="no image staged yet")
                row.pop("devices")
            out[kind] = row
        default = default_kws(self.settings, self.model)
        if default is not None:
            out["default_kws"] = dict(default, version=self.running.get("kws"))
        return out

    # -- state

    def state(self):
        prov = self.provisioning
        text, source = self.current_url()
        return dict(
            self.extra_state,
            mac=self.mac,
            model=self.model,
            pid=os.getpid(),
            url=mask_url(text) if text else None,
            url_source=source,
            boots=self.boots,
            checks=self.checks,
            last_check=self.last_check,
            running_firmware=dict(self.running),
            staged_firmware=dict(self.staged),
            firmware_distribution=self.firmware_distribution(),
            config=None if self.settings is None else {
                "sha256": self.config_sha256,
                "provisioning": dict(prov, url=mask_url(prov["url"]) if prov["url"] else None),
                "settings": masked(self.settings),
            },
            users=self.users,
            users_refused=self.users_refused,
            check_sync=dict(self.check_sync, reaction=prov["check_sync"],
                            users="any (--any-sip-user)" if self.any_sip_user else "enabled users of the applied file"),
        )

    @property
    def usernames(self):
        return list(self.users["usernames"]) if self.users else []

    def save_state(self):
        self.recorder.state(self.state())
