"""What the provisioning hosts serve, and the check of DECT servers' provisioning URLs against it
(module_utils/_served.py, behind the role's validation and playbooks/validate.yml)."""

from __future__ import annotations

import pytest

from ansible_collections.dect.provisioning.plugins.module_utils import _served as S

PROV = {"inventory_hostname": "prov1.hospital.example", "dect_provisioning_url": "https://prov1.hospital.example/dect",
        "dect_provisioning_protocols": ["https", "tftp"]}


def server(name, url, **extra):
    return dict({"inventory_hostname": name, "dect_provisioning_url": url}, **extra)


@pytest.mark.parametrize("url, expected", [
    ("https://prov1.example/dect", {"protocol": "https", "port": 443, "path": "/dect"}),
    ("https://u:pw@prov1.example:8443/boot/dect/", {"protocol": "https", "port": 8443, "path": "/boot/dect"}),
    ("192.0.2.5", {"protocol": "tftp", "port": 69, "path": ""}),
    ("tftp://[2001:db8::5]/", {"protocol": "tftp", "port": 69, "path": ""}),
    ("", {"protocol": "tftp", "port": 69, "path": ""}),
])
def test_url_served(url, expected):
    assert S.url_served(url) == expected


@pytest.mark.parametrize("path", ["", "/", "/dect", "/boot/dect-1.2_x~"])
def test_servable_paths(path):
    assert S.check_path(path, ["http", "tftp"]) == ("" if path == "/" else path)


@pytest.mark.parametrize("path", ["dect", "/.hidden", "/a/../b", "/a b", "/a%20b", "/a//b", "/a/"])
def test_unservable_paths_are_refused(path):
    with pytest.raises(S.ServedError) as err:
        S.check_path(path)
    assert str(err.value) == "provisioning_server_path: '%s' is refused: allowed %s" % (path, S.PATH_RULE)


def test_ftp_serves_the_root_only():
    with pytest.raises(S.ServedError) as err:
        S.check_path("/dect", ["https", "ftp"])
    assert str(err.value) == (
        "provisioning_server_path: '/dect' cannot be served over ftp: vsftpd serves the root only at '/' (no alias;"
        " a link or a wider FTP root would expose more than the root); allowed '' with ftp, or a path with tftp,"
        " http, https only")
    assert S.check_path("", ["ftp"]) == ""


def test_served_by_follows_the_role_defaults():
    assert S.served_by(PROV) == {"name": "prov1.hospital.example", "names": ["prov1.hospital.example"],
                                 "protocols": ["https", "tftp"],
                                 "ports": {"tftp": 69, "http": 80, "https": 443, "ftp": 21}, "path": "/dect"}
    overridden = S.served_by(dict(PROV, provisioning_server_protocols=["http"], provisioning_server_http_port="8080",
                                  provisioning_server_path="", ansible_host="192.0.2.5",
                                  dect_provisioning_names=["Prov.Example", "[2001:db8::5]"]))
    assert overridden["protocols"] == ["http"] and overridden["ports"]["http"] == 8080 and overridden["path"] == ""
    assert overridden["names"] == ["192.0.2.5", "2001:db8::5", "prov.example", "prov1.hospital.example"]
    assert S.served_by({"inventory_hostname": "p", "dect_provisioning_url": "10.0.0.5"})["protocols"] == ["tftp"]
    with pytest.raises(S.ServedError, match="^p: provisioning_server_path: '/dect' cannot be served over ftp"):
        S.served_by({"inventory_hostname": "p", "dect_provisioning_url": "ftp://p/dect"})
    with pytest.raises(S.ServedError, match="^p: dect_provisioning_names: a list of host names"):
        S.served_by({"inventory_hostname": "p", "dect_provisioning_names": "p.example"})


def test_url_problems_name_the_server_the_variable_what_differs_and_what_is_allowed():
    hosts = [S.served_by(PROV)]
    servers = [
        server("ok", "https://prov1.hospital.example/dect"),
        server("tftp-ok", "tftp://PROV1.hospital.example/dect/"),
        server("scheme", "http://prov1.hospital.example/dect"),
        server("port", "https://prov1.hospital.example:8443/dect"),
        server("path", "https://prov1.hospital.example/boot"),
        server("root", "https://prov1.hospital.example"),
        server("secret", "https://dect:S3cret@prov1.hospital.example/boot"),
        server("own", "https://prov1.hospital.example/dect", dect_server_provisioning_url="https://prov1.hospital.example/x"),
        server("off", "https://prov1.hospital.example/boot", dect_provisioning_method="disabled"),
        server("broken", "gopher://prov1.hospital.example/"),
    ]
    got = S.url_problems(servers, hosts)
    assert got["warnings"] == []
    assert got["by_server"] == {
        "scheme": ["dect_provisioning_url 'http://prov1.hospital.example/dect': scheme http is not served by"
                   " prov1.hospital.example: allowed https, tftp (provisioning_server_protocols)"],
        "port": ["dect_provisioning_url 'https://prov1.hospital.example:8443/dect': port 8443 is not where"
                 " prov1.hospital.example serves https: allowed 443 (provisioning_server_https_port)"],
        "path": ["dect_provisioning_url 'https://prov1.hospital.example/boot': path '/boot' is not served by"
                 " prov1.hospital.example: allowed '/dect' (provisioning_server_path)"],
        "root": ["dect_provisioning_url 'https://prov1.hospital.example': path '/' is not served by"
                 " prov1.hospital.example: allowed '/dect' (provisioning_server_path)"],
        "secret": ["dect_provisioning_url 'https://dect:********@prov1.hospital.example/boot': path '/boot' is not"
                   " served by prov1.hospital.example: allowed '/dect' (provisioning_server_path)"],
        "own": ["dect_server_provisioning_url 'https://prov1.hospital.example/x': path '/x' is not served by"
                " prov1.hospital.example: allowed '/dect' (provisioning_server_path)"],
        "broken": ["dect_provisioning_url: provisioning URL protocol 'gopher' is not supported: allowed tftp, ftp,"
                   " http, https"],
    }
    assert "S3cret" not in repr(got)
    assert got["by_host"]["prov1.hospital.example"][0] == got["by_server"]["scheme"][0].replace("dect_", "scheme: dect_", 1)


def test_url_hosts_pick_their_provisioning_host_and_unknown_hosts_warn():
    hosts = [S.served_by(PROV), S.served_by({"inventory_hostname": "prov2", "ansible_host": "192.0.2.6",
                                             "dect_provisioning_url": "tftp://192.0.2.6"})]
    many = [server("s%d" % n, "tftp://vip.example/dect") for n in range(7)]
    got = S.url_problems([server("a", "tftp://192.0.2.6"), server("b", "https://prov1.hospital.example/dect")] + many,
                         hosts)
    assert "a" not in got["by_server"] and "b" not in got["by_server"]
    assert got["warnings"] == [
        "s0, s1, s2, s3, s4 and 2 more: dect_provisioning_url 'tftp://vip.example/dect': host 'vip.example' is none of"
        " the provisioning hosts' names (192.0.2.6, prov1.hospital.example, prov2); checked against every provisioning"
        " host - list it in dect_provisioning_names of the host that serves it"]
    # Checked against both: prov1 serves TFTP under /dect, prov2 at the root.
    assert got["by_server"]["s0"] == ["dect_provisioning_url 'tftp://vip.example/dect': path '/dect' is not served by"
                                      " prov2: allowed '/' (provisioning_server_path)"]
    assert got["by_host"] == {"prov2": [
        "s0, s1, s2, s3, s4 and 2 more: dect_provisioning_url 'tftp://vip.example/dect': path '/dect' is not served"
        " by prov2: allowed '/' (provisioning_server_path)"]}
    assert S.url_problems(many, []) == {"by_server": {}, "by_host": {}, "warnings": []}
