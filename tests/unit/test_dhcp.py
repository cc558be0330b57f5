"""module_utils/_dhcp: input checks, the three renderings, Kea's in-place edit, validation wrappers."""

from __future__ import annotations

import json

import pytest

from ansible_collections.dect.provisioning.plugins.module_utils._dhcp import jsonc, masking, plan as dhcp_plan
from ansible_collections.dect.provisioning.plugins.module_utils._dhcp.kea import kea_merge
from ansible_collections.dect.provisioning.plugins.module_utils._dhcp.plan import MANAGED_BY, DhcpError, make_plan
from ansible_collections.dect.provisioning.plugins.module_utils._dhcp.run import get_backend
from ansible_collections.dect.provisioning.plugins.module_utils._dhcp.validate import daemon_message, validation_config

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


def test_secrets_collected_for_no_log():
    hosts = [dict(HOSTS[0], url="ftp://dect:pw1@prov.example.com")]
    assert dhcp_plan.secrets_of(plan(hosts, url="ftp://u:pw2@prov.example.com")) == ["pw1", "pw2"]


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
