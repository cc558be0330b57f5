"""module_utils/_dhcp: input checks, the three renderings, Kea's in-place edit, validation wrappers."""

from __future__ import annotations

import json
import os
import shutil
import time

import pytest

from ansible_collections.dect.provisioning.plugins.module_utils._dhcp import jsonc, masking, plan as dhcp_plan
from ansible_collections.dect.provisioning.plugins.module_utils._dhcp.kea import kea_merge
from ansible_collections.dect.provisioning.plugins.module_utils._dhcp.plan import MANAGED_BY, DhcpError, make_plan
from ansible_collections.dect.provisioning.plugins.module_utils._dhcp.run import get_backend
from ansible_collections.dect.provisioning.plugins.module_utils._dhcp.validate import daemon_message, validation_config
from ansible_collections.dect.provisioning.plugins.modules import dhcp_option66
from devtools.module_runner import run_module_main

URL = "https://prov.example.com/dect"
HOSTS = [
    {"name": "ward-a", "mac": "00:13:D1:80:00:32", "ip": "192.0.2.10"},
    {"name": "ward-b", "mac": "0013.d180.0033", "url": "tftp://192.0.2.5/b,1"},
]


def plan(hosts=None, url=URL, scope="host", subnet=None):
    return make_plan(HOSTS if hosts is None else hosts, url, scope, subnet)


# ---- input checks ------------------------------------------------------------------------------

@pytest.mark.parametrize("url,message", [
    ('https://prov.example.com/x"; option routers 192.0.2.66; "',
     "url: provisioning URL 'https://prov.example.com/x\"; option routers 192.0.2.66; \"' contains a quote,"
     " backslash or control character"),
    ("https://prov.example.com/x\ndhcp-option=3,192.0.2.66",
     "url: provisioning URL 'https://prov.example.com/x\\ndhcp-option=3,192.0.2.66' contains a quote,"
     " backslash or control character"),
    ("gopher://prov.example.com", "url: provisioning URL protocol 'gopher' is not supported: allowed tftp, ftp, http, https"),
])
def test_url_that_could_break_a_config_is_refused(url, message):
    with pytest.raises(DhcpError) as err:
        plan(url=url)
    assert str(err.value) == message


def test_host_url_error_names_the_host_and_masks_the_password():
    hosts = [dict(HOSTS[0], url="ftp://dect:s3cret@prov example.com")]
    with pytest.raises(DhcpError) as err:
        plan(hosts)
    assert str(err.value).startswith("hosts[0] (ward-a).url: 'ftp://dect:********@prov example.com' is not a")
    assert "s3cret" not in str(err.value)


@pytest.mark.parametrize("change,message", [
    ({"mac": "00:13:d1:80:00"}, "hosts[1] (ward-b).mac: '00:13:d1:80:00' is not a MAC address: expected 12 hex digits,"
                                " optionally separated by ':', '-' or '.'"),
    ({"mac": "00-13-d1-80-00-32"}, "hosts[1] (ward-b).mac: '0013d1800032' is also used by hosts[0] (ward-a)"),
    ({"name": "WARD-A"}, "hosts[1] (WARD-A).name: 'ward-a' is also used by hosts[0] (ward-a)"),
    ({"ip": "192.0.2.10"}, "hosts[1] (ward-b).ip: '192.0.2.10' is also used by hosts[0] (ward-a)"),
    ({"ip": "192.0.2.300"}, "hosts[1] (ward-b).ip: '192.0.2.300' is not an IPv4 address"),
    ({"name": "ward b"}, "hosts[1] (ward b).name: 'ward b' is not a usable host name: allowed 1-63 characters from"
                         " A-Z a-z 0-9 _ - and single dots, starting with a letter or digit"),
    ({"name": "ward;b"}, "hosts[1] (ward;b).name: 'ward;b' is not a usable host name"),
])
def test_host_errors_name_the_entry_and_value(change, message):
    hosts = [HOSTS[0], dict(HOSTS[1], **change)]
    with pytest.raises(DhcpError) as err:
        plan(hosts)
    assert str(err.value).startswith(message)


def test_hosts_normalised():
    result = plan().hosts
    assert result == [
        dhcp_plan.DhcpHost("ward-a", "0013d1800032", "192.0.2.10", URL),
        dhcp_plan.DhcpHost("ward-b", "0013d1800033", None, "tftp://192.0.2.5/b,1"),
    ]


def test_subnet_scope_needs_a_url_and_a_host_without_url_needs_the_default():
    with pytest.raises(DhcpError, match=r"^url: required with scope=subnet"):
        plan(url=None, scope="subnet")
    with pytest.raises(DhcpError, match=r"^hosts\[0\] \(ward-a\).url: no URL for this host"):
        plan(url=None)


def test_passwords_of_refused_input_are_hidden_in_the_failure_and_its_invocation():
    hosts = [dict(HOSTS[0], url="ftp://dect:Pw1-x9@prov.example.com/a\x7f"), dict(HOSTS[1], url="ftp://u:Pw2-y8@h")]
    text, result = run_module(dict(backend="isc", path="/nonexistent-dir/x.conf", hosts=hosts,
                                   url="ftp://u:Pw3-z7@prov.example.com"))
    assert result["failed"] and result["msg"].startswith("hosts[0] (ward-a).url: provisioning URL 'ftp://dect:****")
    if "invocation" in result:  # ansible-core 2.21 no longer returns it here
        assert result["invocation"]["module_args"]["url"] == "ftp://u:********@prov.example.com"
    assert "Pw1" not in text and "Pw2" not in text and "Pw3" not in text


# ---- ISC dhcpd and dnsmasq renderings ------------------------------------------------------------

HEADER = ("# Managed by dect.provisioning.dhcp_option66: changes made here are overwritten.\n"
          "# DHCP option 66 (provisioning URL) for Spectralink DECT servers, scope: %s.\n")


def test_isc_host_scope():
    assert get_backend("isc").candidate(None, plan()) == HEADER % "host" + (
        "host ward-a {\n"
        "  hardware ethernet 00:13:d1:80:00:32;\n"
        "  fixed-address 192.0.2.10;\n"
        '  option tftp-server-name "https://prov.example.com/dect";\n'
        "}\n"
        "host ward-b {\n"
        "  hardware ethernet 00:13:d1:80:00:33;\n"
        '  option tftp-server-name "tftp://192.0.2.5/b,1";\n'
        "}\n")


def test_isc_subnet_scope_writes_hosts_only_for_reservations_and_own_urls():
    hosts = HOSTS + [{"name": "ward-c", "mac": "00:13:d1:80:00:34"}]
    assert get_backend("isc").candidate(None, plan(hosts, scope="subnet")) == HEADER % "subnet" + (
        'option tftp-server-name "https://prov.example.com/dect";\n'
        "host ward-a {\n"
        "  hardware ethernet 00:13:d1:80:00:32;\n"
        "  fixed-address 192.0.2.10;\n"
        "}\n"
        "host ward-b {\n"
        "  hardware ethernet 00:13:d1:80:00:33;\n"
        '  option tftp-server-name "tftp://192.0.2.5/b,1";\n'
        "}\n")


def test_dnsmasq_host_and_subnet_scope():
    backend = get_backend("dnsmasq")
    assert backend.candidate(None, plan()) == HEADER % "host" + (
        "dhcp-host=00:13:d1:80:00:32,set:dect-ward-a,192.0.2.10\n"
        'dhcp-option=tag:dect-ward-a,66,"https://prov.example.com/dect"\n'
        "dhcp-host=00:13:d1:80:00:33,set:dect-ward-b\n"
        'dhcp-option=tag:dect-ward-b,66,"tftp://192.0.2.5/b,1"\n')
    assert backend.candidate(None, plan(scope="subnet")) == HEADER % "subnet" + (
        'dhcp-option=66,"https://prov.example.com/dect"\n'
        "dhcp-host=00:13:d1:80:00:32,192.0.2.10\n"
        "dhcp-host=00:13:d1:80:00:33,set:dect-ward-b\n"
        'dhcp-option=tag:dect-ward-b,66,"tftp://192.0.2.5/b,1"\n')


def test_empty_host_list_renders_only_the_header():
    assert get_backend("dnsmasq").candidate(None, plan([])) == HEADER % "host"


# ---- validation wrappers ---------------------------------------------------------------------------

def test_isc_validation_points_the_main_config_at_the_candidate():
    main = 'subnet 192.0.2.0 netmask 255.255.255.0 {\n  include "/etc/dhcp/dect.conf";\n}\n'
    text = validation_config(get_backend("isc"), "/etc/dhcp/.dect.conf.x.tmp", "/etc/dhcp/dect.conf", main)
    assert text == 'subnet 192.0.2.0 netmask 255.255.255.0 {\n  include "/etc/dhcp/.dect.conf.x.tmp";\n}\n'


def test_dnsmasq_validation_points_the_main_config_at_the_candidate():
    main = "port=0\nconf-file=/etc/dnsmasq.d/dect.conf\nconf-file=/etc/dnsmasq.d/dect.conf.old\n"
    text = validation_config(get_backend("dnsmasq"), "/x/.c.tmp", "/etc/dnsmasq.d/dect.conf", main)
    assert text == "port=0\nconf-file=/x/.c.tmp\nconf-file=/etc/dnsmasq.d/dect.conf.old\n"


def test_main_config_that_does_not_include_the_file_is_an_error():
    with pytest.raises(DhcpError) as err:
        validation_config(get_backend("isc"), "/t", "/etc/dhcp/dect.conf", "authoritative;\n")
    assert str(err.value) == (
        'validate_config: the file does not include path /etc/dhcp/dect.conf: add `include "/etc/dhcp/dect.conf";`'
        " to it (or leave validate_config unset to test the owned file alone)")


def test_without_main_config_the_candidate_itself_is_tested():
    assert validation_config(get_backend("dnsmasq"), "/t", "/p", None) is None
    assert validation_config(get_backend("kea"), "/t", "/p", "ignored") is None
    assert get_backend("kea").validate_argv("/usr/sbin/kea-dhcp4", "/t") == ["/usr/sbin/kea-dhcp4", "-t", "/t"]
    assert get_backend("isc").validate_argv("dhcpd", "/t") == ["dhcpd", "-t", "-cf", "/t"]
    assert get_backend("dnsmasq").validate_argv("dnsmasq", "/t") == ["dnsmasq", "--test", "--conf-file=/t"]


def test_daemon_message_drops_banners_and_names_the_live_file():
    output = (
        "Internet Systems Consortium DHCP Server 4.4.3-P1\nCopyright 2004-2022 Internet Systems Consortium.\n"
        "All rights reserved.\nFor info, please visit https://www.isc.org/software/dhcp/\n"
        "/etc/dhcp/.dect.conf.ab.tmp line 2: host ward-a: already exists\n\n"
        "Configuration file errors encountered -- exiting\n\nIf you think you have received this message due"
        " to a bug rather\nexiting.\n")
    shown_as = {"/etc/dhcp/.dect.conf.ab.tmp": "/etc/dhcp/dect.conf (candidate)", None: "unused"}
    assert daemon_message(output, shown_as) == (
        "/etc/dhcp/dect.conf (candidate) line 2: host ward-a: already exists\n"
        "Configuration file errors encountered -- exiting")


def test_daemon_message_keeps_keas_errors_without_log_prefixes():
    output = (
        "2026-11-24 02:50:52.520 INFO  [kea-dhcp4.hosts/317.1399] HOSTS_BACKENDS_REGISTERED the following\n"
        "2026-11-24 02:50:52.524 ERROR [kea-dhcp4.dhcp4/317.1399] DHCP4_PARSER_FAIL failed to add new host\n"
        "Error encountered: failed to add new host\n")
    assert daemon_message(output, {}) == "DHCP4_PARSER_FAIL failed to add new host\nError encountered: failed to add new host"


def test_services_per_backend():
    assert get_backend("isc").service == ("isc-dhcp-server", "restarted", None)
    assert get_backend("kea").service == ("kea-dhcp4-server", "reloaded", "HUP")
    assert get_backend("dnsmasq").service == ("dnsmasq", "restarted", None)
    with pytest.raises(DhcpError, match="^backend: 'infoblox' is not allowed: allowed isc, kea, dnsmasq$"):
        get_backend("infoblox")


# ---- Kea: in-place edit ----------------------------------------------------------------------------

KEA = """// site config: every byte outside the module's entries must survive
{
  # DHCPv4
  "Dhcp4": {
    "interfaces-config": { "interfaces": [ "eth1" ] }, // the DECT VLAN interface
    /* leases
       in memory */
    "lease-database": { "type": "memfile" },
    "option-data": [
      { "name": "domain-name-servers", "data": "192.0.2.53" } # site DNS, with "quotes // and # inside"
    ],
    "subnet4": [
      {
        "id": 1,
        "subnet": "192.0.2.0/24",   // wards
        "reservations": [
          { "hw-address": "02:00:00:00:00:01", "ip-address": "192.0.2.50" }  // printer, keep me
        ]
      },
      { "id": 2, "subnet": "198.51.100.0/24" }
    ],
    "shared-networks": [ { "name": "lab", "subnet4": [ { "id": 3, "subnet": "203.0.113.0/24",
                                                         "reservations": [] } ] } ]
  }
}
"""

OWNED_A = ('{"hw-address": "00:13:d1:80:00:32", "ip-address": "192.0.2.10", "option-data": [{"name": '
           '"tftp-server-name", "data": "https://prov.example.com/dect"}], "user-context": {"managed-by": '
           '"dect.provisioning.dhcp_option66", "name": "ward-a"}}')


def kea(text, the_plan):
    return get_backend("kea").candidate(text, the_plan)


def owned_entries(text):
    """(list key, entry) of every element of a Kea config that carries the module's marker."""
    found = []

    def walk(node):
        if isinstance(node, dict):
            for key in ("option-data", "reservations"):
                found.extend((key, entry) for entry in node.get(key) or []
                             if entry.get("user-context", {}).get("managed-by") == MANAGED_BY)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(json.loads(jsonc.blank_comments(text)))
    return found


def test_kea_reservation_goes_into_the_subnet_of_its_ip_after_the_users_entries():
    out = kea(KEA, plan([HOSTS[0]]))
    expected = KEA.replace(
        '"192.0.2.50" }  // printer, keep me\n',
        '"192.0.2.50" },  // printer, keep me\n          %s\n' % OWNED_A)
    assert out == expected


def test_kea_rerun_is_byte_identical_and_absent_restores_the_original():
    the_plan = plan([HOSTS[0], dict(HOSTS[1], ip="198.51.100.7")])
    once = kea(KEA, the_plan)
    assert kea(once, the_plan) == once
    assert kea_merge(once, None) == KEA.replace(
        '{ "id": 2, "subnet": "198.51.100.0/24" }', '{ "id": 2, "subnet": "198.51.100.0/24",\n      "reservations": [\n      ] }')


def test_kea_new_list_created_where_missing_and_comma_escaped():
    out = kea(KEA, plan([dict(HOSTS[1], ip="198.51.100.7")]))
    assert ('{ "id": 2, "subnet": "198.51.100.0/24",\n      "reservations": [\n        {"hw-address": '
            '"00:13:d1:80:00:33", "ip-address": "198.51.100.7", "option-data": [{"name": "tftp-server-name", '
            '"data": "tftp://192.0.2.5/b\\\\,1"}]') in out
    owned = owned_entries(out)
    assert [entry["option-data"][0]["data"] for _key, entry in owned] == ["tftp://192.0.2.5/b\\,1"]


def test_kea_changed_plan_replaces_only_owned_entries():
    once = kea(KEA, plan([HOSTS[0]]))
    twice = kea(once, plan([dict(HOSTS[0], ip="192.0.2.11")]))
    assert twice == kea(KEA, plan([dict(HOSTS[0], ip="192.0.2.11")]))
    assert '"ip-address": "192.0.2.10"' not in twice and "printer, keep me" in twice


def test_kea_subnet_scope_global_and_per_subnet():
    hosts = [{"name": "ward-c", "mac": "00:13:d1:80:00:34"}]
    option = ('{"name": "tftp-server-name", "data": "https://prov.example.com/dect", "user-context": '
              '{"managed-by": "dect.provisioning.dhcp_option66"}}')
    out = kea(KEA, plan(hosts, scope="subnet"))
    assert out == KEA.replace('# site DNS, with "quotes // and # inside"\n',
                              '# site DNS, with "quotes // and # inside"\n      %s\n' % option).replace(
        '"192.0.2.53" } # site', '"192.0.2.53" }, # site')
    assert kea_merge(out, None) == KEA
    per_subnet = kea(KEA, plan(hosts, scope="subnet", subnet="203.0.113.0/24"))
    assert ('"subnet": "203.0.113.0/24",\n                                                         '
            '"reservations": [],\n') in per_subnet
    assert [key for key, _entry in owned_entries(per_subnet)] == ["option-data"]
    assert kea_merge(per_subnet, None).startswith(KEA.split('"shared-networks"', maxsplit=1)[0])


def test_kea_entries_moved_by_a_user_are_found_and_removed():
    once = kea(KEA, plan([HOSTS[0]]))
    # Someone moves the module's entry in front of the printer and adds a comment after it.
    moved = once.replace(
        '{ "hw-address": "02:00:00:00:00:01", "ip-address": "192.0.2.50" },  // printer, keep me\n          %s\n'
        % OWNED_A,
        '%s,\n          // printer below\n          { "hw-address": "02:00:00:00:00:01", "ip-address": "192.0.2.50" }'
        '  // printer, keep me\n' % OWNED_A)
    assert moved != once
    assert kea_merge(moved, None) == KEA.replace('"reservations": [\n          {',
                                                 '"reservations": [\n          // printer below\n          {')
    assert kea(moved, plan([HOSTS[0]])).count("ward-a") == 1


def test_kea_hosts_without_ip_need_a_subnet_when_there_are_several():
    with pytest.raises(DhcpError) as err:
        kea(KEA, plan([HOSTS[1]]))
    assert str(err.value) == "hosts[0] (ward-b): the Kea config has 3 subnets: set subnet to choose one"
    out = kea(KEA, plan([HOSTS[1]], subnet="198.51.100.0/24"))
    assert owned_entries(out)[0][1]["hw-address"] == "00:13:d1:80:00:33"
    with pytest.raises(DhcpError, match=r"^subnet: 10.9.0.0/16 is not a subnet4 entry of the Kea config "
                                        r"\(has: 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24\)$"):
        kea(KEA, plan([HOSTS[1]], subnet="10.9.0.0/16"))
    with pytest.raises(DhcpError, match=r"^hosts\[0\] \(ward-a\).ip: 10.0.0.1 is in no subnet4 of the Kea config$"):
        kea(KEA, plan([dict(HOSTS[0], ip="10.0.0.1")]))


@pytest.mark.parametrize("text,message", [
    ('{"Dhcp6": {}}', 'path: not a Kea DHCPv4 config: no "Dhcp4" object at the top level'),
    ('{"Dhcp4": {"subnet4": [}}', "path: not a Kea JSON config: unexpected character '}' at line 1"),
    ('{\n"Dhcp4": {} /* open', "path: not a Kea JSON config: unterminated /* comment at line 2"),
    ('{"Dhcp4": {}} trailing', "path: not a Kea JSON config: unexpected text after the end at line 1"),
    ('{"Dhcp4": {"subnet4": [ <?include "x.json"?> ]}}',
     "path: not a Kea JSON config: <?include?> directives are not supported in the file the module edits at line 1"),
])
def test_kea_unreadable_config(text, message):
    with pytest.raises(DhcpError) as err:
        kea(text, plan([]))
    assert str(err.value) == message


def test_blank_comments_keeps_positions_and_strings():
    text = '{"a": "x // y # z", /* c\n d */ "b": 1} // end\n# last'
    blanked = jsonc.blank_comments(text)
    assert len(blanked) == len(text) and blanked.count("\n") == text.count("\n")
    assert json.loads(blanked) == {"a": "x // y # z", "b": 1}


def test_kea_empty_arrays_and_one_line_configs():
    text = '{"Dhcp4": {"subnet4": [{"id": 1, "subnet": "192.0.2.0/24", "reservations": []}]}}'
    out = kea(text, plan([HOSTS[0]]))
    assert json.loads(out)["Dhcp4"]["subnet4"][0]["reservations"][0]["ip-address"] == "192.0.2.10"
    assert kea(out, plan([HOSTS[0]])) == out
    assert json.loads(kea_merge(out, None)) == json.loads(text)


def test_kea_diff_masks_passwords_and_include_files_show_as_is():
    text = '{"Dhcp4": {"lease-database": {"type": "mysql", "password": "db\\"pw", "user": "kea"}}}'
    assert get_backend("kea").shown(text) == (
        '{"Dhcp4": {"lease-database": {"type": "mysql", "password": "********", "user": "kea"}}}')
    assert get_backend("isc").shown('option x "password";') == 'option x "password";'


def test_kea_refuses_a_second_option66_it_does_not_own():
    text = KEA.replace('"name": "domain-name-servers", "data": "192.0.2.53"', '"code": 66, "data": "tftp://192.0.2.9"')
    with pytest.raises(DhcpError) as err:
        kea(text, plan([], scope="subnet"))
    assert str(err.value) == ("path: the option-data of Dhcp4 already sets option 66 (tftp-server-name) outside"
                              " the module's entries, at line 10: remove it, or use scope=host")
    assert "tftp://192.0.2.9" in kea(text, plan([HOSTS[0]]))  # host scope does not touch that list


# ---- hostile option 66 values: printable ASCII, at most 255 bytes, every backend -------------------

def url_of_length(length, base="tftp://192.0.2.5/"):
    return base + "a" * (length - len(base))


@pytest.mark.parametrize("backend", ["isc", "kea", "dnsmasq"])
def test_url_of_255_bytes_is_rendered_and_256_refused(backend):
    longest = url_of_length(255)
    the_plan = plan([HOSTS[0]], url=longest)
    out = get_backend(backend).candidate(KEA if backend == "kea" else None, the_plan)
    assert longest in out
    with pytest.raises(DhcpError) as err:
        plan([HOSTS[0]], url=url_of_length(256))
    assert str(err.value) == (
        "url: provisioning URL 'tftp://192.0.2.5/%s...' is 256 bytes long: DHCP option 66 carries at most 255 bytes"
        % ("a" * 43))


@pytest.mark.parametrize("value,shown,code,position", [
    ("https://prov.example.com/d\x7fect", "\\x7f", "007F", 26),
    ("https://prov.example.com/d\u00e9ct", "\\xe9", "00E9", 26),
    ("https://prov.example.com/\u2028", "\\u2028", "2028", 25),
    ("https://prov.example.com/\udcff", "\\udcff", "DCFF", 25),
])
def test_del_and_non_ascii_are_refused_naming_the_host(value, shown, code, position):
    with pytest.raises(DhcpError) as err:
        plan([dict(HOSTS[0], url=value)])
    assert str(err.value) == (
        "hosts[0] (ward-a).url: provisioning URL '%s' has character '%s' (U+%s) at position %d: allowed"
        " printable ASCII only (space to ~)" % (value.encode("unicode_escape").decode(), shown, code, position))


def test_refused_url_masks_its_password_and_cuts_a_long_value():
    with pytest.raises(DhcpError) as err:
        plan(url="ftp://dect:Pa\x7fss@prov.example.com/")
    assert "Pa" not in str(err.value) and "ftp://dect:********@prov.example.com/" in str(err.value)
    with pytest.raises(DhcpError) as err:
        plan(url="ftp://dect:LongSecret@prov.example.com/" + "x" * 300)
    assert "LongSecret" not in str(err.value) and len(str(err.value)) < 200


@pytest.mark.parametrize("name", ["ward-a\n", "ward-a\nhost evil", "w" * 64, "-ward", "ward..a", "wärd", ""])
def test_host_names_that_a_daemon_would_not_read_literally(name):
    with pytest.raises(DhcpError, match=r"\.name: '.*' is not a usable host name"):
        plan([dict(HOSTS[0], name=name)])


def test_masked_hides_every_url_password_in_a_text():
    text = ('option tftp-server-name "ftp://dect:OldPw@prov.example.com/a";\n'
            'dhcp-option=tag:dect-b,66,"https://u:p:w@prov.example.com"\n'
            '"data": "ftp://k:Co\\\\,mma@prov.example.com/x"\nhttps://prov.example.com/no-password\n')
    assert masking.masked(text) == (
        'option tftp-server-name "ftp://dect:********@prov.example.com/a";\n'
        'dhcp-option=tag:dect-b,66,"https://u:********@prov.example.com"\n'
        '"data": "ftp://k:********@prov.example.com/x"\nhttps://prov.example.com/no-password\n')


def test_kea_config_nested_too_deep_is_refused_not_a_crash():
    text = '{"Dhcp4": {"x": %s1%s}}' % ("[" * 100, "]" * 100)
    with pytest.raises(DhcpError, match=r"^path: not a Kea JSON config: nested deeper than 64 levels at line 1$"):
        kea(text, plan([]))


# ---- the module in-process, on real files: symlinks, odd files, check mode, masking -------------

# An existing include file the module wrote (its header line), so the module may replace it.
OWNED_OLD = "# Managed by dect.provisioning.dhcp_option66: changes made here are overwritten.\nold\n"


def run_module(args, check_mode=False, diff=False):
    """Run dhcp_option66's main() as on a target; return (the JSON text it printed, the result)."""
    return run_module_main(dhcp_option66, args, check_mode, diff)


def listing(directory):
    """What would show that anything was created, changed or removed in ``directory`` (even briefly)."""
    st = os.stat(directory)
    return st.st_mtime_ns, sorted((entry.name, entry.inode(), entry.stat(follow_symlinks=False).st_mtime_ns)
                                  for entry in os.scandir(directory))


KEA_SMALL = '{"Dhcp4": {"subnet4": [{"id": 1, "subnet": "192.0.2.0/24", "reservations": []}]}}\n'
VICTIM = b"VICTIM-BYTES root:secret\n"


def module_args(backend, path, **extra):
    args = dict(backend=backend, path=str(path), url=URL, hosts=[HOSTS[0]], validate=False)
    args.update(extra)
    return args


@pytest.fixture
def victims(tmp_path):
    """Things a symlink at the config path may point at: another user's file, a directory, /dev/zero."""
    other = tmp_path / "other-user" / "private.conf"
    other.parent.mkdir()
    other.write_bytes(VICTIM)
    os.chown(str(other), 65534, 65534)
    other.chmod(0o600)
    directory = tmp_path / "a-directory"
    directory.mkdir()
    return {"file": other, "directory": directory, "zero": "/dev/zero"}


def assert_victim_intact(victims, before):
    assert victims["file"].read_bytes() == VICTIM and os.stat(str(victims["file"])).st_mtime_ns == before
    assert os.listdir(str(victims["directory"])) == []


@pytest.mark.parametrize("state", ["present", "absent"])
@pytest.mark.parametrize("target", ["file", "directory", "zero"])
@pytest.mark.parametrize("backend", ["isc", "kea", "dnsmasq"])
def test_symlink_at_the_config_path_is_refused(backend, target, state, victims, tmp_path):
    etc = tmp_path / "etc"
    etc.mkdir()
    path = etc / "dhcp.conf"
    path.symlink_to(victims[target])
    before, mtime = listing(str(etc)), os.stat(str(victims["file"])).st_mtime_ns
    text, result = run_module(module_args(backend, path, state=state, backup=True), diff=True)
    assert result["failed"] and result["msg"] == "path: %s: is a symlink; refusing to follow it" % path
    assert listing(str(etc)) == before and os.readlink(str(path)) == str(victims[target])
    assert_victim_intact(victims, mtime)
    assert "VICTIM" not in text and "\\u0000" not in text


@pytest.mark.parametrize("make,message", [
    (lambda p: os.mkfifo(str(p)), "is a FIFO, not a regular file"),
    (lambda p: p.mkdir(), "is a directory, not a regular file"),
    (lambda p: os.mknod(str(p), 0o600 | 0o020000, os.makedev(1, 5)), "is a device, not a regular file"),  # /dev/zero
    (lambda p: p.write_bytes(b"host x {}\n\xff\xfe\n"), "is not UTF-8 text (byte 0xff at offset 10)"),
    (lambda p: p.touch() or os.truncate(str(p), 33 * 1024 * 1024), "larger than 33554432 bytes; refusing to read it"),
])
def test_odd_files_at_the_config_path_are_refused_without_blocking(make, message, tmp_path):
    path = tmp_path / "dhcp.conf"
    make(path)
    text, result = run_module(module_args("isc", path), diff=True)
    assert result["failed"] and result["msg"].startswith("path: ") and str(path) in result["msg"], result
    assert result["msg"] == "path: %s: %s" % (path, message) or result["msg"] == "path: %s %s" % (path, message), result


def test_symlinked_validate_config_is_refused(victims, tmp_path):
    shutil.which("dhcpd") or pytest.fail("dhcpd is not installed")
    main = tmp_path / "dhcpd.conf"
    main.symlink_to(victims["file"])
    path = tmp_path / "dect.conf"
    text, result = run_module(module_args("isc", path, validate=True, validate_config=str(main)))
    assert result["msg"] == "validate_config: %s: is a symlink; refusing to follow it" % main
    assert not path.exists() and "VICTIM" not in text


def test_symlink_planted_at_the_temp_name_is_not_written_through(victims, tmp_path, monkeypatch):
    """Whatever temp name the writer picks, a symlink appearing there first is never followed."""
    path = tmp_path / "dect.conf"
    path.write_text(OWNED_OLD)
    real_open, planted = os.open, []

    def open_after_planting(name, flags, *args, **kwargs):
        name = os.fspath(name)
        if flags & os.O_CREAT and os.path.dirname(name) == str(tmp_path) and name != str(path) and not planted:
            os.symlink(str(victims["file"]), name)
            planted.append(name)
        return real_open(name, flags, *args, **kwargs)

    mtime = os.stat(str(victims["file"])).st_mtime_ns
    monkeypatch.setattr(os, "open", open_after_planting)
    text, result = run_module(module_args("isc", path))
    monkeypatch.undo()
    assert planted, "the writer created no temp file next to path"
    assert_victim_intact(victims, mtime)
    assert os.readlink(planted[0]) == str(victims["file"])  # still the symlink, nothing written through it
    if result.get("failed"):
        assert planted[0] in result["msg"] or str(tmp_path) in result["msg"], result
    else:
        assert "host ward-a {" in path.read_text() and not path.is_symlink()
    assert "VICTIM" not in text


def test_symlink_at_the_backup_name_is_refused(victims, tmp_path):
    path = tmp_path / "dect.conf"
    path.write_text(OWNED_OLD)
    now = time.time()
    # Every name the backup can take in the next minute: the module's run on a loaded machine can
    # take several seconds before it names its backup.
    for second in range(60):
        stamp = time.strftime("%Y-%m-%d@%H:%M:%S~", time.localtime(now + second))
        os.symlink(str(victims["file"]), "%s.%d.%s" % (path, os.getpid(), stamp))
    mtime = os.stat(str(victims["file"])).st_mtime_ns
    text, result = run_module(module_args("isc", path, backup=True))
    assert result["failed"] and "is a symlink; refusing to follow it" in result["msg"], result
    assert path.read_text() == OWNED_OLD  # no backup, so no replacement either
    assert_victim_intact(victims, mtime)
    assert "VICTIM" not in text


@pytest.mark.parametrize("backend", ["isc", "kea", "dnsmasq"])
def test_check_mode_validates_without_touching_the_config_dir(backend, tmp_path):
    shutil.which(get_backend(backend).binary) or pytest.fail("%s is not installed" % get_backend(backend).binary)
    os.makedirs("/run/kea", exist_ok=True)  # kea-dhcp4 -t needs it
    etc = tmp_path / "etc"
    etc.mkdir()
    path = etc / ("kea-dhcp4.conf" if backend == "kea" else "dect.conf")
    extra = {}
    if backend == "kea":
        path.write_text(KEA_SMALL)
    else:
        main = etc / "main.conf"
        main.write_text('include "%s";\n' % path if backend == "isc" else "port=0\nconf-file=%s\n" % path)
        extra["validate_config"] = str(main)
    before = listing(str(etc))
    time.sleep(0.01)
    _text, result = run_module(module_args(backend, path, validate=True, **extra), check_mode=True, diff=True)
    assert result["changed"] and "validation" in result, result
    assert listing(str(etc)) == before
    # The same run for real writes the file that was validated.
    _text, result = run_module(module_args(backend, path, validate=True, **extra))
    assert result["changed"] and "00:13:d1:80:00:32" in path.read_text()
    assert sorted(os.listdir(str(etc))) == sorted(p.name for p in [path] + ([] if backend == "kea" else [main]))


@pytest.mark.parametrize("backend", ["isc", "kea", "dnsmasq"])
def test_password_rotation_shows_neither_password(backend, tmp_path):
    path = tmp_path / ("kea.conf" if backend == "kea" else "dect.conf")
    if backend == "kea":
        path.write_text(KEA_SMALL)
    old, new = "ftp://dect:OldPw-7d1@prov.example.com/d", "ftp://dect:NewPw-9c3@prov.example.com/d"
    _text, result = run_module(module_args(backend, path, url=old, mode="0600"))
    assert result["changed"] and "OldPw-7d1" in path.read_text()
    for check_mode in (True, False):
        text, result = run_module(module_args(backend, path, url=new), check_mode=check_mode, diff=True)
        assert result["changed"], result
        assert "OldPw" not in text and "NewPw" not in text, text
        assert "ftp://dect:********@prov.example.com/d" in result["diff"]["before"]
        assert "ftp://dect:********@prov.example.com/d" in result["diff"]["after"]
    assert "NewPw-9c3" in path.read_text() and oct(path.stat().st_mode & 0o777) == "0o600"


def test_daemon_rejection_message_masks_url_passwords(tmp_path):
    shutil.which("dhcpd") or pytest.fail("dhcpd is not installed")
    path, main = tmp_path / "dect.conf", tmp_path / "dhcpd.conf"
    main.write_text('option tftp-server-name "ftp://x:MainPw@192.0.2.9";\ninclude "%s";\nbroken here;\n' % path)
    text, result = run_module(module_args("isc", path, validate=True, validate_config=str(main),
                                          url="ftp://dect:ModPw@prov.example.com/d"))
    assert result["failed"] and "dhcpd rejected the new configuration (live file left untouched)" in result["msg"]
    assert "%s (with the candidate) line 3" % main in result["msg"], result["msg"]
    assert "MainPw" not in text and "ModPw" not in text and not path.exists()


def test_mode_and_owner_are_set_before_the_rename(tmp_path):
    path = tmp_path / "dect.conf"
    path.write_text(OWNED_OLD)
    os.chown(str(path), 65534, 65534)
    path.chmod(0o640)
    _text, result = run_module(module_args("isc", path))
    st = path.stat()
    assert result["changed"] and (st.st_uid, st.st_gid, st.st_mode & 0o777) == (65534, 65534, 0o640)
    _text, result = run_module(module_args("isc", path, url="tftp://192.0.2.7", mode="u=rw,g=,o=", owner="0"))
    st = path.stat()
    assert result["changed"] and (st.st_uid, st.st_gid, st.st_mode & 0o777) == (0, 65534, 0o600)
    assert os.listdir(str(tmp_path)) == ["dect.conf"]


@pytest.mark.parametrize("extra,message", [
    ({"mode": "bogus"}, "mode: 'bogus' is neither an octal nor a symbolic mode"),
    ({"owner": "no-such-user-d1"}, "owner: 'no-such-user-d1' does not exist on this host"),
    ({"group": "no-such-group-d1"}, "group: 'no-such-group-d1' does not exist on this host"),
])
@pytest.mark.parametrize("check_mode", [True, False])
def test_bad_file_attributes_fail_before_anything_is_written(extra, message, check_mode, tmp_path):
    path = tmp_path / "dect.conf"
    _text, result = run_module(module_args("isc", path, **extra), check_mode=check_mode)
    assert result["failed"] and result["msg"] == message
    assert os.listdir(str(tmp_path)) == []


def test_absent_removes_the_owned_file_with_a_backup_and_then_reports_no_change(tmp_path):
    path = tmp_path / "dect.conf"
    run_module(module_args("dnsmasq", path))
    written = path.read_bytes()
    _text, result = run_module(module_args("dnsmasq", path, state="absent"), check_mode=True, diff=True)
    assert result["changed"] and path.read_bytes() == written and result["diff"]["after"] == ""
    _text, result = run_module(module_args("dnsmasq", path, state="absent", backup=True))
    assert result["changed"] and not path.exists()
    assert [p.read_bytes() for p in tmp_path.iterdir()] == [written] and result["backup_file"].endswith("~")
    _text, result = run_module(module_args("dnsmasq", path, state="absent"))
    assert not result["changed"]


@pytest.mark.parametrize("backend,text,found", [
    ("isc", '{"Dhcp4": {}}\n', 'a Kea DHCPv4 config ("Dhcp4")'),
    ("dnsmasq", "// kea\n[1]\n", "JSON"),
    ("isc", "authoritative;\n", "1 line of another configuration"),
    ("dnsmasq", "# Managed by someone else\nport=0\n", "2 lines of another configuration"),
])
def test_an_include_file_without_the_header_is_refused_and_kept(backend, text, found, tmp_path):
    path = tmp_path / "dect.conf"
    path.write_text(text)
    args = dict(backend=backend, path=str(path), url="http://192.0.2.1/x", validate=False,
                hosts=[dict(name="ward-a", mac="00:13:d1:80:00:32")])
    for check_mode in (True, False):
        dummy, result = run_module(args, check_mode=check_mode)
        assert result["failed"] and result["msg"] == (
            "path: %s exists without the header this module writes ('# Managed by dect.provisioning.dhcp_option66:"
            " ...'); found %s. The %s backend owns its file whole and would replace it: nothing written. Point path"
            " at a file of its own (one the daemon's config includes), or set force: true to replace it"
            % (path, found, backend))
        assert path.read_text() == text
    dummy, result = run_module(dict(args, state="absent"))
    assert result["failed"] and path.read_text() == text  # nor removed
    dummy, result = run_module(dict(args, force=True))
    assert result["changed"] and path.read_text().startswith("# Managed by dect.provisioning.dhcp_option66: ")
    dummy, result = run_module(args)  # the module's own file now: no force needed
    assert not result.get("failed") and not result["changed"]


def test_an_empty_include_file_is_the_modules_to_fill(tmp_path):
    path = tmp_path / "dect.conf"
    path.write_text("\n")
    dummy, result = run_module(dict(backend="isc", path=str(path), url="http://192.0.2.1/x", validate=False,
                                    hosts=[dict(name="ward-a", mac="00:13:d1:80:00:32")]))
    assert result["changed"] and "host ward-a {" in path.read_text()


def test_inventory_problems_name_each_server_and_its_variable_every_one_at_once():
    hosts = [{"name": "ward-a", "mac": "00:13:d1:80:00:01", "ip": "192.0.2.10"},
             {"name": "ward-b", "mac": "00:13:d1:80:00:02", "ip": "ward-b.example"},
             {"name": "ward-c", "mac": "00:13:d1:80:00:3"},
             {"name": "ward-d", "mac": "00:13:d1:80:00:04", "ip": "192.0.2.10"}]
    assert dhcp_plan.inventory_problems(hosts, "http://192.0.2.1/dect") == [
        "ward-b: dect_ip: 'ward-b.example' is not an IPv4 address",
        "ward-c: dect_mac: '00:13:d1:80:00:3' is not a MAC address: expected 12 hex digits, optionally separated by"
        " ':', '-' or '.'"]
    # Once each is right on its own, what they share.
    assert dhcp_plan.inventory_problems([hosts[0], hosts[3]], "http://192.0.2.1/dect") == [
        "ward-d: dect_ip: '192.0.2.10' is also used by ward-a"]
    assert dhcp_plan.inventory_problems(hosts[:1], "http://192.0.2.1/dect") == []


def test_inventory_problems_mask_the_url_password():
    problems = dhcp_plan.inventory_problems([{"name": "ward-a", "mac": "00:13:d1:80:00:01"}], "ftp://u:S3cret@/x y")
    assert problems and all("S3cret" not in problem for problem in problems)
    assert problems[0].startswith("dect_provisioning_url (the dhcp role's dhcp_url): ")
    assert problems[1].startswith("ward-a: dect_provisioning_url: ")
