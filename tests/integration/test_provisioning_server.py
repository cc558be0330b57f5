"""The provisioning_server role against real tftpd-hpa, nginx and vsftpd on 127.0.0.1.

The role renders every configuration into a directory (no service manager here); the daemons are
started from exactly those files over a root staged by the firmware role (devtools/provisioning_site.py),
and each file is fetched with plain clients: tftp-hpa's ``tftp``, urllib over HTTP and HTTPS (a test
CA made here), ftplib.
"""

from __future__ import annotations

import grp
import ftplib
import hashlib
import json
import os
import pwd
import re
import socket
import ssl
import stat
import struct
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

from devtools.probe_daemons import make_ca
from devtools.procs import need_root
from devtools.provisioning_site import ALL, fetch_ftp, fetch_http, fetch_tftp, https_site, served_site

PLAYBOOK = Path(__file__).resolve().parent / "playbooks" / "provisioning_server_serve.yml"
FILES = ("kws.bin", "kws.bin.ver", "pp7x.bin", "pp7x.bin.ver", "0013d1800032-config.xml")


@pytest.fixture(scope="module")
def site():
    """All four protocols, anonymous, HTTPS with a certificate from a test CA."""
    with https_site(PLAYBOOK, ("in.tftpd", "nginx", "vsftpd", "tftp", "runuser")) as served:
        yield served


def expected_bytes(site, name):
    return (site.root / name).read_bytes()


def test_the_role_staged_the_root_read_only(site):
    assert sorted(os.listdir(site.root)) == sorted(FILES)
    config = (site.root / "0013d1800032-config.xml").read_text()
    assert "<kws>kws.bin</kws>" in config and "<pp14225100>pp7x.bin</pp14225100>" in config
    assert (site.root / "kws.bin.ver").read_bytes() == b"PCS24B 71234"
    assert (site.root / "pp7x.bin.ver").read_bytes() == b"PP7X 4.5.6"
    group = grp.getgrnam("dect-provisioning").gr_gid
    for path in [site.root] + [site.root / name for name in FILES]:
        st = path.stat()
        # The root and the documents (they carry passwords) belong to the provisioning group, the
        # documents 0640; firmware images and .ver files are root's and world-readable.
        document = path.name.endswith(".xml")
        assert (st.st_uid, st.st_gid) == (0, group if path.is_dir() or document else 0), path
        assert st.st_mode & 0o777 == (0o750 if path.is_dir() else 0o640 if document else 0o644), path


@pytest.mark.parametrize("protocol", ALL)
def test_every_file_is_fetched_over_every_protocol(site, protocol, tmp_path):
    for name in FILES:
        if protocol == "tftp":
            got = fetch_tftp(site, name, tmp_path / name)
        elif protocol == "ftp":
            got = fetch_ftp(site, name)
        else:
            got = fetch_http(site.url(protocol, name), cafile=site.ca if protocol == "https" else None)
        assert hashlib.sha256(got).hexdigest() == hashlib.sha256(expected_bytes(site, name)).hexdigest(), name


def test_tftp_negotiates_blksize(site):
    """RFC 2348: the server acknowledges blksize 1428 and sends 1428-byte blocks."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(5)
        sock.sendto(b"\x00\x01kws.bin\x00octet\x00blksize\x001428\x00tsize\x000\x00", ("127.0.0.1", site.port("tftp")))
        packet, server = sock.recvfrom(2048)
        assert packet[:2] == b"\x00\x06", packet  # OACK
        fields = packet[2:].split(b"\x00")
        options = dict(zip(fields[0::2], fields[1::2]))
        assert options[b"blksize"] == b"1428"
        assert int(options[b"tsize"]) == len(expected_bytes(site, "kws.bin"))
        sock.sendto(b"\x00\x04\x00\x00", server)  # ACK 0
        data = sock.recvfrom(2048)[0]
        assert struct.unpack("!HH", data[:4]) == (3, 1)
        assert data[4:] == expected_bytes(site, "kws.bin")[:1428]
        sock.sendto(b"\x00\x05\x00\x00done\x00", server)  # ERROR: end the transfer


def test_tftp_refuses_writes(site, tmp_path):
    upload = tmp_path / "evil.bin"
    upload.write_bytes(b"evil")
    before = expected_bytes(site, "kws.bin")
    proc = subprocess.run(["tftp", "127.0.0.1", str(site.port("tftp")), "-m", "binary", "-c", "put", str(upload),
                           "kws.bin"], capture_output=True, text=True, timeout=30, check=False)
    assert "Error code" in proc.stdout + proc.stderr, proc
    new = subprocess.run(["tftp", "127.0.0.1", str(site.port("tftp")), "-m", "binary", "-c", "put", str(upload),
                          "new.bin"], capture_output=True, text=True, timeout=30, check=False)
    assert "Error code" in new.stdout + new.stderr, new
    assert expected_bytes(site, "kws.bin") == before and not (site.root / "new.bin").exists()


def test_https_with_another_ca_fails(site, tmp_path):
    other_ca, _key = make_ca(tmp_path, "another-ca")
    with pytest.raises(urllib.error.URLError) as err:
        fetch_http(site.url("https", "kws.bin.ver"), cafile=other_ca)
    assert isinstance(err.value.reason, ssl.SSLCertVerificationError)
    assert "certificate verify failed" in str(err.value.reason)


@pytest.mark.parametrize("protocol", ["http", "https"])
def test_http_is_read_only_and_lists_nothing(site, protocol):
    context = ssl.create_default_context(cafile=str(site.ca)) if protocol == "https" else None

    def status(method, name):
        request = urllib.request.Request(site.url(protocol, name), method=method, data=b"x" if method in ("PUT", "POST") else None)
        try:
            with urllib.request.urlopen(request, timeout=10, context=context) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.headers, b""

    code, headers, body = status("HEAD", "kws.bin")
    assert code == 200 and int(headers["Content-Length"]) == len(expected_bytes(site, "kws.bin")) and body == b""
    for method in ("PUT", "POST", "DELETE"):
        assert status(method, "kws.bin")[0] == 403, method
    assert status("GET", "")[0] == 404  # the root itself: no listing
    assert status("GET", "missing.bin")[0] == 404
    (site.root / ".kws.bin.upload").write_bytes(b"half an upload")
    try:
        assert status("GET", ".kws.bin.upload")[0] == 404
    finally:
        (site.root / ".kws.bin.upload").unlink()
    assert expected_bytes(site, "kws.bin") == fetch_http(site.url(protocol, "kws.bin"), cafile=site.ca)
    assert status("GET", "kws.bin.ver")[1]["Content-Type"] == "text/plain"
    assert status("GET", "0013d1800032-config.xml")[1]["Content-Type"] == "application/xml"


def test_ftp_is_anonymous_read_only_and_lists_nothing(site):
    with ftplib.FTP() as ftp:
        ftp.connect("127.0.0.1", site.port("ftp"), timeout=10)
        ftp.login()
        with pytest.raises(ftplib.error_perm, match="^550"):
            ftp.nlst()
        with pytest.raises(ftplib.error_perm, match="^550"):
            ftp.retrlines("LIST")
        with pytest.raises(ftplib.error_perm, match="^550"):
            ftp.storbinary("STOR evil.bin", __import__("io").BytesIO(b"evil"))
        with pytest.raises(ftplib.error_perm, match="^550"):
            ftp.delete("kws.bin")
        with pytest.raises(ftplib.error_perm, match="^550"):
            ftp.mkd("sub")
    assert sorted(os.listdir(site.root)) == sorted(FILES)


@pytest.mark.parametrize("user", ["tftp", "www-data", "ftp"])
def test_the_daemons_users_cannot_write_the_root(site, user):
    for path in (site.root, site.root / "kws.bin", site.root / "kws.bin.ver"):
        readable = subprocess.run(["runuser", "-u", user, "--", "test", "-r", str(path)], timeout=10, check=False)
        writable = subprocess.run(["runuser", "-u", user, "--", "test", "-w", str(path)], timeout=10, check=False)
        assert readable.returncode == 0 and writable.returncode == 1, (user, path)


def test_a_second_run_changes_nothing(site):
    again = site.play()
    assert again.rc == 0 and again.recap()["changed"] == 0, again.output


def test_the_rendered_configurations_say_read_only(site):
    tftp = (site.conf / "tftpd-hpa").read_text().splitlines()
    # No --create: nothing can be written over TFTP; the map file refuses writes and non-device names.
    assert 'TFTP_OPTIONS="--secure --permissive -vv --map-file %s"' % (site.conf / "tftpd.remap") in tftp
    assert (site.conf / "tftpd.remap").read_text().splitlines()[2] == "aP .*"
    nginx = (site.conf / "dect-provisioning.conf").read_text()
    assert nginx.count("autoindex off;") == 2 and nginx.count("limit_except GET {") == 2
    vsftpd = (site.conf / "vsftpd.conf").read_text().splitlines()
    for line in ("write_enable=NO", "dirlist_enable=NO", "anonymous_enable=YES", "local_enable=NO",
                 "anon_upload_enable=NO", "listen=YES", "background=NO"):
        assert line in vsftpd


# ----------------------------------------------------------------------------- accounts and self-signed TLS


@pytest.fixture
def ftp_account():
    """A throw-away FTP account name; the account and the role's PAM file are removed afterwards."""
    name = "dectftp" + uuid.uuid4().hex[:6]
    pam = Path("/etc/pam.d/dect-provisioning-ftp")
    pam_existed = pam.exists()
    yield name
    subprocess.run(["userdel", name], capture_output=True, timeout=30, check=False)
    if not pam_existed and pam.exists():
        pam.unlink()


def test_basic_auth_self_signed_https_and_an_ftp_account(ftp_account):
    need_root()
    with served_site(PLAYBOOK, ["http", "https", "ftp"], provisioning_server_tls_selfsigned=True,
                     provisioning_server_tls_selfsigned_san=["IP:127.0.0.1", "DNS:localhost"],
                     provisioning_server_http_user="dect", provisioning_server_http_password="s3cret-Pw",
                     provisioning_server_ftp_user=ftp_account, provisioning_server_ftp_password="ftp-Pw.42") as site:
        assert "s3cret-Pw" not in site.first_run.output and "ftp-Pw.42" not in site.first_run.output
        cert = site.conf / "tls" / "dect-provisioning.pem"
        key = site.conf / "tls" / "dect-provisioning.key"
        assert key.stat().st_mode & 0o777 == 0o600
        htpasswd = (site.conf / "htpasswd").read_text()
        assert htpasswd.startswith("dect:$6$") and "s3cret-Pw" not in htpasswd
        assert (site.conf / "htpasswd").stat().st_mode & 0o777 == 0o640

        for protocol in ("http", "https"):
            cafile = cert if protocol == "https" else None
            assert fetch_http(site.url(protocol, "kws.bin"), cafile, ("dect", "s3cret-Pw")) == expected_bytes(site, "kws.bin")
            for auth in (None, ("dect", "wrong"), ("other", "s3cret-Pw")):
                with pytest.raises(urllib.error.HTTPError) as err:
                    fetch_http(site.url(protocol, "kws.bin.ver"), cafile, auth)
                assert err.value.code == 401, (protocol, auth)

        assert fetch_ftp(site, "kws.bin", ftp_account, "ftp-Pw.42") == expected_bytes(site, "kws.bin")
        for user, password in (("anonymous", ""), (ftp_account, "wrong"), ("root", "ftp-Pw.42")):
            with pytest.raises(ftplib.error_perm, match="^530"):
                fetch_ftp(site, "kws.bin", user, password)
        with ftplib.FTP() as ftp:  # chrooted to the root, read-only
            ftp.connect("127.0.0.1", site.port("ftp"), timeout=10)
            ftp.login(ftp_account, "ftp-Pw.42")
            assert ftp.pwd() == "/"
            with pytest.raises(ftplib.error_perm, match="^550"):
                ftp.storbinary("STOR evil.bin", __import__("io").BytesIO(b"evil"))

        again = site.play()
        assert again.rc == 0 and again.recap()["changed"] == 0, again.output
        assert (site.conf / "htpasswd").read_text() == htpasswd


@pytest.mark.parametrize("overrides, message", [
    (dict(dect_provisioning_protocols=["tftp", "gopher"]),
     'provisioning_server_protocols: ["tftp", "gopher"] is refused: allowed a non-empty subset of tftp, http,'
     ' https, ftp'),
    (dict(dect_provisioning_protocols=["https"]),
     "provisioning_server_tls_cert / provisioning_server_tls_key: HTTPS needs a certificate and its key on the"
     " host (both paths), or provisioning_server_tls_selfsigned: true for a lab"),
    (dict(dect_provisioning_protocols=["http"], provisioning_server_http_user="a:b", provisioning_server_http_password="x"),
     "provisioning_server_http_user / provisioning_server_http_password: user 'a:b' is refused"),
    (dict(dect_provisioning_protocols=["tftp"], provisioning_server_manage_services=True),
     "set provisioning_server_manage_services: false with it"),
])
def test_bad_settings_are_refused_before_anything_is_written(play, tmp_path, overrides, message):
    extra = dict(dect_provisioning_root=str(tmp_path / "srv"), provisioning_server_config_dir=str(tmp_path / "etc"),
                 provisioning_server_manage_packages=False, provisioning_server_manage_services=False)
    extra.update(overrides)
    run = play("provisioning_server_serve.yml", extra_vars=extra)
    assert run.rc == 2
    assert message in run.stdout, run.stdout
    assert not (tmp_path / "srv").exists() and not (tmp_path / "etc").exists()


def test_os_locations_in_check_mode_write_nothing(play, tmp_path):
    """Without a config dir the Debian paths are used; protocols default from dect_provisioning_url."""
    root = tmp_path / "srv-dect"
    site_file = Path("/etc/nginx/conf.d/dect-provisioning.conf")
    fact = Path("/etc/ansible/facts.d/dect_provisioning.fact")
    existed, fact_existed = site_file.exists(), fact.exists()
    run = play("provisioning_server_serve.yml", check=True, diff=True, extra_vars=dict(
        dect_provisioning_root=str(root), dect_provisioning_url="https://prov.example.com/dect",
        provisioning_server_tls_selfsigned=True, provisioning_server_manage_services=False,
        provisioning_server_manage_packages=False))
    assert run.rc == 0, run.output
    assert "+++ after: " in run.stdout and "listen 127.0.0.1:443 ssl default_server;" in run.stdout
    assert "/etc/default/tftpd-hpa" not in run.stdout and "/etc/vsftpd.conf" not in run.stdout  # https only
    # The local fact of the OS locations would go to /etc/ansible/facts.d: shown, not written.
    assert "+++ after: /etc/ansible/facts.d/dect_provisioning.fact" in run.stdout
    assert '"root": "%s"' % root in run.stdout and '"/var/log/nginx/dect-provisioning.access.log"' in run.stdout
    assert not root.exists() and site_file.exists() == existed and fact.exists() == fact_existed


# ----------------------------------------------------------------------------- served under the URL's path


def tftp_reply(site, name):
    """The first packet answering a TFTP read request for ``name`` (any bytes, as a device may send)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(5)
        sock.sendto(b"\x00\x01" + name.encode() + b"\x00octet\x00", ("127.0.0.1", site.port("tftp")))
        return sock.recvfrom(1024)[0]


@pytest.fixture(scope="module")
def path_site():
    """TFTP, HTTP and HTTPS under /dect, the path of the URL https://127.0.0.1:<port>/dect."""
    need_root()
    with served_site(PLAYBOOK, ["tftp", "http", "https"], test_ca=True, provisioning_server_path="/dect") as served:
        yield served


@pytest.mark.parametrize("protocol", ["tftp", "http", "https"])
def test_the_root_is_served_under_the_path(path_site, protocol, tmp_path):
    site = path_site
    for name in FILES:
        if protocol == "tftp":
            got = fetch_tftp(site, "dect/" + name, tmp_path / name)
            assert fetch_tftp(site, "/dect/" + name, tmp_path / name) == got  # with or without the leading '/'
        else:
            got = fetch_http(site.url(protocol, "dect/" + name), cafile=site.ca if protocol == "https" else None)
        assert got == expected_bytes(site, name), (protocol, name)


@pytest.mark.parametrize("protocol", ["http", "https"])
def test_anything_else_under_the_path_or_outside_it_is_404(path_site, protocol):
    site = path_site
    context = ssl.create_default_context(cafile=str(site.ca)) if protocol == "https" else None
    (site.root / ".kws.bin.upload").write_bytes(b"half an upload")
    (site.root / "sub").mkdir(mode=0o750)
    (site.root / "sub" / "kws.bin").write_bytes(b"below the root")

    def status(method, path):
        request = urllib.request.Request(site.url(protocol) + path, method=method,
                                         data=b"x" if method in ("PUT", "POST") else None)
        try:
            with urllib.request.urlopen(request, timeout=10, context=context) as response:
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code

    try:
        for path in ("kws.bin", "0013d1800032-config.xml", "dect", "dect/", "dect/missing.bin", "dect/.kws.bin.upload",
                     "dect/sub/kws.bin", "dect/../kws.bin", "dectkws.bin", "x/dect/kws.bin", "DECT/kws.bin",
                     "dect/kws.bin/", "dect/%2e%2e/kws.bin", "dect/x%2fkws.bin"):
            assert status("GET", path) == 404, path
        assert status("GET", "dect/kws.bin%00.ver") == 400  # nginx refuses a NUL outright
        for method in ("PUT", "POST", "DELETE"):
            assert status(method, "dect/kws.bin") == 403, method
        assert status("HEAD", "dect/kws.bin") == 200
    finally:
        (site.root / ".kws.bin.upload").unlink()
        (site.root / "sub" / "kws.bin").unlink()
        (site.root / "sub").rmdir()


def test_tftp_refuses_every_other_name_under_or_outside_the_path(path_site):
    for name in ("kws.bin", "/kws.bin", "x/kws.bin", "dect/sub/kws.bin", "dect/../kws.bin", "dect//kws.bin"):
        # a device file name under another path: logged with the name asked for, then refused
        assert tftp_reply(path_site, name) == b"\x00\x05\x00\x00File name too long\x00", name
    for name in ("dect/.kws.bin.upload", "dect/notes.txt", "dect/", "dect"):
        assert tftp_reply(path_site, name) == b"\x00\x05\x00\x02Access denied\x00", name
    assert tftp_reply(path_site, "dect/missing.bin") == b"\x00\x05\x00\x01File not found\x00"


def test_the_path_is_in_the_rendered_configurations(path_site):
    nginx = (path_site.conf / "dect-provisioning.conf").read_text()
    assert nginx.count('location ~ "^/dect/(?<dect_file>') == 2
    assert nginx.count("alias %s/$dect_file;" % path_site.root) == 2
    remap = (path_site.conf / "tftpd.remap").read_text().splitlines()
    assert remap[2:4] == ["aP .*", r"re ^/?dect/(([0-9a-f]{12}-(config|users)\.xml|[A-Za-z0-9_+-]+(\.[A-Za-z0-9_+-]+)*"
                          r"\.(bin|ver)))$ \1"]
    assert remap[-1] == "a .*"
    again = path_site.play()
    assert again.rc == 0 and again.recap()["changed"] == 0, again.output


def test_the_tftp_log_socket_is_writable_by_the_daemons_user_only(path_site):
    sock = path_site.conf / "tftpd-log.sock"
    st = sock.stat()
    assert stat.S_ISSOCK(st.st_mode) and st.st_mode & 0o777 == 0o600
    assert (pwd.getpwuid(st.st_uid).pw_name, st.st_gid) == ("tftp", pwd.getpwnam("tftp").pw_gid)
    forged = "<29>Dec  7 04:54:20 in.tftpd[1]: RRQ from 192.0.2.66 filename 0013d1800032-config.xml"
    send = ["python3", "-c", "import socket,sys; s=socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); "
            "s.sendto(sys.argv[2].encode(), sys.argv[1])", str(sock), forged]
    refused = subprocess.run(["runuser", "-u", "nobody", "--"] + send, capture_output=True, text=True, timeout=10,
                             check=False)
    assert refused.returncode == 1 and "PermissionError" in refused.stderr, refused
    assert subprocess.run(["runuser", "-u", "tftp", "--"] + send, timeout=10, check=False).returncode == 0
    log = path_site.conf / "tftpd.log"
    deadline = time.monotonic() + 5
    while "192.0.2.66" not in (log.read_text() if log.exists() else "") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert log.read_text().count("192.0.2.66") == 1  # the daemon's user's line only


def test_ftp_with_a_path_is_refused_before_anything_is_written(play, tmp_path):
    extra = dict(dect_provisioning_root=str(tmp_path / "srv"), provisioning_server_config_dir=str(tmp_path / "etc"),
                 provisioning_server_manage_packages=False, provisioning_server_manage_services=False,
                 dect_provisioning_url="ftp://127.0.0.1/dect")
    run = play("provisioning_server_serve.yml", extra_vars=extra)
    assert run.rc == 2
    assert ("localhost: provisioning_server_path: '/dect' cannot be served over ftp: vsftpd serves the root only at"
            " '/' (no alias; a link or a wider FTP root would expose more than the root); allowed '' with ftp, or a"
            " path with tftp, http, https only") in run.stdout, run.stdout


def s_client(site, *options):
    """One TLS handshake with `openssl s_client` against the site's HTTPS port: (ok, negotiated suite)."""
    proc = subprocess.run(["openssl", "s_client", "-connect", "127.0.0.1:%d" % site.port("https"), "-CAfile",
                           str(site.ca), "-verify_return_error", *options], input="", capture_output=True,
                          text=True, timeout=30, check=False)
    suite = re.search(r"Cipher is (\S+)", proc.stdout)
    ok = proc.returncode == 0 and suite is not None and suite.group(1) != "(NONE)"
    return ok, suite.group(1) if suite else None


@pytest.mark.parametrize("suite", ["AES128-SHA", "AES256-GCM-SHA384", "CAMELLIA256-SHA", "AES256-SHA256"])
def test_tls12_suites_without_forward_secrecy_are_refused(site, suite):
    assert s_client(site, "-tls1_2", "-cipher", suite) == (False, "(NONE)")


def test_tls12_ecdhe_suite_is_accepted_and_tls13_works(site):
    assert s_client(site, "-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256") == (True, "ECDHE-RSA-AES128-GCM-SHA256")
    assert s_client(site, "-tls1_2") == (True, "ECDHE-RSA-AES128-GCM-SHA256")  # the server's order wins
    ok, suite = s_client(site, "-tls1_3")
    assert ok and suite.startswith("TLS_")


def test_the_cipher_options_set_the_suites(tmp_path):
    """The options are what nginx uses: a static RSA suite let in on purpose is accepted (so the
    refusals above are the server's, not the client's), the default's ECDHE suite then refused, and
    TLS 1.3 limited to one suite."""
    need_root()
    with served_site(PLAYBOOK, ["https"], test_ca=True, provisioning_server_tls_ciphers="AES128-SHA:ECDHE-RSA-AES256-GCM-SHA384",
                     provisioning_server_tls13_ciphersuites="TLS_CHACHA20_POLY1305_SHA256") as custom:
        assert s_client(custom, "-tls1_2", "-cipher", "AES128-SHA") == (True, "AES128-SHA")
        assert s_client(custom, "-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256") == (False, "(NONE)")
        assert s_client(custom, "-tls1_3", "-ciphersuites", "TLS_AES_256_GCM_SHA384") == (False, "(NONE)")
        assert s_client(custom, "-tls1_3") == (True, "TLS_CHACHA20_POLY1305_SHA256")


@pytest.mark.parametrize("overrides", [dict(provisioning_server_tls_ciphers="HIGH;\n    autoindex on"),
                                       dict(provisioning_server_tls13_ciphersuites="TLS_AES_128_GCM_SHA256; x")])
def test_a_cipher_list_that_is_not_one_is_refused_before_anything_is_written(play, tmp_path, overrides):
    extra = dict(dect_provisioning_root=str(tmp_path / "srv"), provisioning_server_config_dir=str(tmp_path / "etc"),
                 provisioning_server_manage_packages=False, provisioning_server_manage_services=False,
                 dect_provisioning_protocols=["https"], provisioning_server_tls_selfsigned=True, **overrides)
    run = play("provisioning_server_serve.yml", extra_vars=extra)
    assert run.rc == 2
    assert "provisioning_server_tls_ciphers / provisioning_server_tls13_ciphersuites:" in run.stdout, run.stdout
    assert "is refused: allowed an OpenSSL cipher list" in run.stdout
    assert not (tmp_path / "srv").exists() and not (tmp_path / "etc").exists()


# ----------------------------------------------------------------------------- the host's state as data

ROLE_ONLY = """\
- name: The provisioning_server role alone
  hosts: localhost
  gather_facts: false
  roles:
    - role: dect.provisioning.provisioning_server
      provisioning_server_manage_services: false
      provisioning_server_manage_packages: false
      provisioning_server_listen_address: 127.0.0.1
"""


def tree(top):
    """(inode, mode, uid, gid, mtime_ns, bytes) of every entry below ``top``: a rewrite with the same
    bytes (a rename) changes the inode, an attribute write the ctime-backed mode/owner."""
    out = {}
    for base, dirs, files in os.walk(top):
        for name in dirs + files:
            path = os.path.join(base, name)
            info = os.lstat(path)
            data = Path(path).read_bytes() if stat.S_ISREG(info.st_mode) else None
            out[path] = (info.st_ino, info.st_mode, info.st_uid, info.st_gid, info.st_mtime_ns, data)
    return out


def test_the_fact_records_where_the_role_put_things(site):
    """The configuration directory's fact, byte for byte; never /etc/ansible in a lab."""
    expected = {"root": str(site.root), "path": "", "protocols": ["tftp", "http", "https", "ftp"],
                "logs": {"nginx": str(site.conf / "nginx-access.log"), "ftp": str(site.conf / "vsftpd-xfer.log"),
                         "tftp": str(site.conf / "tftpd.log")}}
    fact = site.conf / "dect_provisioning.fact"
    assert fact.read_bytes() == (json.dumps(expected, indent=2, sort_keys=True) + "\n").encode()
    assert fact.read_bytes().startswith(b'{\n  "logs": {\n    "ftp": "%s' % str(site.conf).encode())
    st = fact.stat()
    assert (st.st_uid, st.st_gid, st.st_mode & 0o777) == (0, 0, 0o644)


def test_a_second_run_rewrites_nothing(site):
    """Not only changed=0: no file of the role or of the root is replaced or touched."""
    before = tree(site.conf), tree(site.root)
    again = site.play()
    assert again.rc == 0 and again.recap()["changed"] == 0, again.output
    assert (tree(site.conf), tree(site.root)) == before


def test_role_fact_follows_the_settings_and_check_mode_writes_nothing(play, tmp_path):
    need_root()
    extra = dict(dect_provisioning_root=str(tmp_path / "srv"), provisioning_server_config_dir=str(tmp_path / "etc"),
                 dect_provisioning_url="http://127.0.0.1:8080/dect", provisioning_server_http_port=8080)
    checked = play(ROLE_ONLY, check=True, diff=True, extra_vars=extra)
    assert checked.rc == 0, checked.output
    assert "+++ after: %s/dect_provisioning.fact" % (tmp_path / "etc") in checked.stdout
    assert not (tmp_path / "srv").exists() and not (tmp_path / "etc").exists()
    first = play(ROLE_ONLY, extra_vars=extra)
    assert first.rc == 0, first.output
    assert json.loads((tmp_path / "etc" / "dect_provisioning.fact").read_text()) == {
        "root": str(tmp_path / "srv"), "path": "/dect", "protocols": ["http"],
        "logs": {"nginx": str(tmp_path / "etc" / "nginx-access.log"), "ftp": "", "tftp": ""}}
    # Converged: check mode and a real run change nothing and touch nothing.
    before = tree(tmp_path / "etc"), tree(tmp_path / "srv")
    for check in (True, False):
        again = play(ROLE_ONLY, check=check, extra_vars=extra)
        assert again.rc == 0 and again.recap()["changed"] == 0, again.output
    assert (tree(tmp_path / "etc"), tree(tmp_path / "srv")) == before
    # Another protocol: only the fact and what the new daemon needs change; a check-mode run says so
    # and writes nothing, the real run writes the fact once.
    tftp = dict(extra, dect_provisioning_protocols=["http", "tftp"])
    checked = play(ROLE_ONLY, check=True, extra_vars=tftp)
    assert checked.rc == 0 and checked.recap()["changed"] >= 1, checked.output
    assert tree(tmp_path / "etc") == before[0]
    changed = play(ROLE_ONLY, extra_vars=tftp)
    assert changed.rc == 0, changed.output
    # The TFTP daemon's files are new: its handler is notified, nginx's (its files unchanged) is not.
    notified = re.search(r'"msg": "(.*)"', changed.stdout.split("Notify the daemons whose files or groups changed")[1])
    assert notified and notified.group(1) == "Restart the TFTP daemon", changed.stdout
    fact = json.loads((tmp_path / "etc" / "dect_provisioning.fact").read_text())
    assert fact["protocols"] == ["http", "tftp"] and fact["logs"]["tftp"] == str(tmp_path / "etc" / "tftpd.log")


def test_a_symlink_in_place_of_a_managed_file_is_refused_and_nothing_is_written(play, tmp_path):
    need_root()
    extra = dict(dect_provisioning_root=str(tmp_path / "srv"), provisioning_server_config_dir=str(tmp_path / "etc"),
                 dect_provisioning_protocols=["tftp", "http"], provisioning_server_http_port=8080)
    assert play(ROLE_ONLY, extra_vars=extra).rc == 0
    elsewhere = tmp_path / "elsewhere.conf"
    elsewhere.write_text("not the role's\n")
    remap = tmp_path / "etc" / "tftpd.remap"
    remap.unlink()
    remap.symlink_to(elsewhere)
    os.chmod(tmp_path / "etc" / "dect-provisioning.conf", 0o600)  # drift the role would repair
    before = tree(tmp_path / "etc")
    run = play(ROLE_ONLY, extra_vars=extra)
    assert run.rc == 2, run.output
    assert "files[0].path: %s: is a symlink; refusing to follow it" % remap in run.stdout, run.stdout
    assert tree(tmp_path / "etc") == before and elsewhere.read_text() == "not the role's\n"
