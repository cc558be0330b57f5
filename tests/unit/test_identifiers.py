import pytest

from ansible_collections.dect.provisioning.plugins.module_utils._secrets import mask_url
from ansible_collections.dect.provisioning.plugins.module_utils.identifiers import (
    bracket_host,
    IdentifierError, normalize_ipei, normalize_mac, parse_provisioning_url, ipei_check_digit)


@pytest.mark.parametrize("spelling", ["00:13:D1:80:00:32", "00-13-d1-80-00-32", "0013.d180.0032", "0013d1800032",
                                      " 00:13:d1:80:00:32 "])
def test_mac_spellings_normalise(spelling):
    assert normalize_mac(spelling) == "0013d1800032"


@pytest.mark.parametrize("bad", ["0013d180003", "0013d18000321", "00:13:d1:80:00:zz", ""])
def test_bad_mac_names_the_value(bad):
    with pytest.raises(IdentifierError, match="is not a MAC address: expected 12 hex digits"):
        normalize_mac(bad)


def test_ipei_forms():
    check = ipei_check_digit("000770000001")
    assert normalize_ipei("00077 0000001") == "00077 0000001"
    assert normalize_ipei("000770000001") == "00077 0000001"
    assert normalize_ipei("00077-0000001") == "00077 0000001"
    assert normalize_ipei("000770000001" + check) == "00077 0000001"
    wrong = str((int(check) + 1) % 10) if check != "*" else "0"
    with pytest.raises(IdentifierError, match="wrong IPEI check digit"):
        normalize_ipei("000770000001" + wrong)


def test_url_forms():
    assert parse_provisioning_url("10.0.0.10").protocol == "tftp"
    url = parse_provisioning_url("https://server.example.com:10443/boot")
    assert (url.protocol, url.host, url.port, url.path) == ("https", "server.example.com", 10443, "/boot")
    url = parse_provisioning_url("ftp://user:password@provisioning.example.com")
    assert (url.user, url.password, url.port) == ("user", "password", 21)
    assert mask_url("ftp://user:s3cret@host/x") == "ftp://user:********@host/x"
    for bad in ('http://a"b', "http://x\nfoo", "gopher://x"):
        with pytest.raises(IdentifierError):
            parse_provisioning_url(bad)


def test_bracket_host_brackets_ipv6_only_once():
    assert [bracket_host(h) for h in ("2001:db8::5", "[2001:db8::5]", "192.0.2.5", "prov.example.com")] == [
        "[2001:db8::5]", "[2001:db8::5]", "192.0.2.5", "prov.example.com"]
