"""Firmware staging: the kinds table, input validation, and the module run in-process on real files."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
import yaml

from ansible_collections.dect.provisioning.plugins.module_utils import firmware as fw
from ansible_collections.dect.provisioning.plugins.module_utils.config_schema import PARAMETERS
from ansible_collections.dect.provisioning.plugins.modules import firmware as firmware_module
from devtools.module_runner import run_module_main

REPO = Path(__file__).resolve().parents[2]


# ----------------------------------------------------------------------------- kinds table


def test_kinds_table_matches_the_config_schema():
    schema = {p.path.split(".")[-1]: set(p.families) for p in PARAMETERS if p.path.startswith("provisioning.firmware.")}
    table = {key: set(kind.families) for key, kind in fw.FIRMWARE_KINDS.items()}
    assert table == schema


def test_file_kinds_exclude_the_default_kws_switch():
    assert fw.file_kinds() == ("kws", "rfp", "rfp6", "pp14208700", "pp14225100", "pp14225110", "pp14225190")


@pytest.mark.parametrize("model, expected", [
    ("400", ("kws", "default_kws", "pp14208700", "pp14225100", "pp14225110", "pp14225190")),
    (6500, ("kws", "default_kws", "pp14208700", "pp14225100", "pp14225110", "pp14225190")),
    ("2500", ("kws", "rfp", "rfp6", "pp14208700", "pp14225100", "pp14225110", "pp14225190")),
    ("8000", ("kws", "rfp", "rfp6", "pp14208700", "pp14225100", "pp14225110", "pp14225190")),
])
def test_kinds_for_model(model, expected):
    assert fw.kinds_for_model(model) == expected


def test_catalogue_names_default_to_key_bin_and_skip_withdrawn_entries():
    catalogue = {"kws": {"src": "a.bin", "version": "V"}, "pp14225100": {"src": "b", "name": "pp7x.bin"},
                 "rfp6": {"state": "absent"}, "rfp": None}
    assert dict(fw.catalogue_names(catalogue)) == {"kws": "kws.bin", "pp14225100": "pp7x.bin", "rfp": "rfp.bin"}
    assert dict(fw.catalogue_names(None)) == {}


# ----------------------------------------------------------------------------- per-model catalogue

# The guide's file names as keys: one server image per model, base station images for 2500/8000.
MIXED = {
    "IP-DECTserver400firmware": {"kind": "kws", "models": ["400"], "src": "a", "version": "A"},
    "IP-DECTserver6500firmware": {"kind": "kws", "models": [6500], "src": "b", "version": "B"},
    "DECTserver8000firmware": {"kind": "kws", "models": ["2500", "8000"], "src": "c", "version": "C"},
    "IP-DECTbasestationfirmware": {"kind": "rfp", "src": "d", "version": "D"},
    "pp14225100": {"src": "e", "version": "E", "name": "pp7x.bin"},
}


@pytest.mark.parametrize("model, expected", [
    ("400", [("kws", "IP-DECTserver400firmware.bin"), ("pp14225100", "pp7x.bin")]),
    (6500, [("kws", "IP-DECTserver6500firmware.bin"), ("pp14225100", "pp7x.bin")]),
    ("2500", [("kws", "DECTserver8000firmware.bin"), ("rfp", "IP-DECTbasestationfirmware.bin"),
              ("pp14225100", "pp7x.bin")]),
    (8000, [("kws", "DECTserver8000firmware.bin"), ("rfp", "IP-DECTbasestationfirmware.bin"),
            ("pp14225100", "pp7x.bin")]),
])
def test_each_model_is_told_its_own_entry_per_kind_in_guide_order(model, expected):
    assert list(fw.select_firmware(MIXED, model).items()) == expected


def test_entries_default_to_their_key_as_kind_and_every_model_of_the_kind():
    entries = {e.key: e for e in fw.catalogue_entries({"kws": {}, "rfp6": {}, "old": {"kind": "rfp", "state": "absent"}})}
    assert entries["kws"].kind == "kws" and entries["kws"].models == ("400", "6500", "2500", "8000")
    assert entries["rfp6"].models == ("2500", "8000") and entries["rfp6"].name == "rfp6.bin"
    assert not entries["old"].present
    # A withdrawn entry is never told, whatever its models.
    assert "rfp" not in fw.select_firmware({"old": {"kind": "rfp", "state": "absent"}}, "8000")


@pytest.mark.parametrize("catalogue, message", [
    ({"kws": {}, "IP-DECTserver6500firmware": {"kind": "kws", "models": ["6500"]}},
     "dect_firmware: entries 'kws' and 'IP-DECTserver6500firmware' are both kws firmware for model 6500: each model"
     " takes one entry per kind (set models so that they do not overlap)"),
    ({"a": {"kind": "kws", "models": ["2500", "8000"]}, "b": {"kind": "kws", "models": ["400", "8000", "2500"]}},
     "dect_firmware: entries 'a' and 'b' are both kws firmware for model 2500, 8000: each model takes one entry per"
     " kind (set models so that they do not overlap)"),
    ({"a": {"kind": "kws", "models": ["6500"]}, "b": {"kind": "kws", "models": ["8000"], "name": "a.bin"}},
     "dect_firmware: entries 'a' and 'b' both stage a.bin: give each entry its own file name"),
    ({"IP-DECTserver6500firmware": {"models": ["6500"]}},
     "dect_firmware.IP-DECTserver6500firmware.kind: 'IP-DECTserver6500firmware' is not a firmware kind (no kind"
     " given, so the key is the kind); the guide's IP-DECTserver6500firmware is kind: kws, models: [\"6500\"]:"
     " allowed kws, rfp, rfp6, pp14208700, pp14225100, pp14225110, pp14225190"),
    ({"x": {"kind": "default_kws"}},
     "dect_firmware.x.kind: 'default_kws' is not a firmware kind: allowed kws, rfp, rfp6, pp14208700, pp14225100,"
     " pp14225110, pp14225190"),
    ({"x": {"kind": "kws", "models": ["7000"]}},
     "dect_firmware.x.models: '7000' is not a model: allowed 400, 6500, 2500, 8000"),
    ({"x": {"kind": "kws", "models": [True]}},
     "dect_firmware.x.models: True is not a model: allowed 400, 6500, 2500, 8000"),
    ({"x": {"kind": "kws", "models": "6500"}},
     "dect_firmware.x.models: '6500' is refused: allowed a non-empty list of models out of 400, 6500, 2500, 8000"),
    ({"x": {"kind": "kws", "models": []}},
     "dect_firmware.x.models: [] is refused: allowed a non-empty list of models out of 400, 6500, 2500, 8000"),
    ({"x": {"kind": "rfp6", "models": ["6500"]}},
     "dect_firmware.x.models: the 6500 does not understand rfp6 firmware: allowed for kind rfp6: 2500, 8000"),
    ({"kws": {"src": "a", "verison": "V"}},
     "dect_firmware.kws: unknown field verison: allowed src, remote_src, version, version_src, checksum, name,"
     " state, kind, models, allow_same_version"),
    ({"kws": "kws.bin"}, "dect_firmware.kws: a mapping (src, version, kind, models, ...) is required, got str"),
])
def test_catalogue_errors_name_the_entries_and_what_is_allowed(catalogue, message):
    with pytest.raises(fw.FirmwareError) as caught:
        fw.catalogue_entries(catalogue)
    assert str(caught.value) == message


def test_overlap_between_a_withdrawn_and_a_present_entry_is_allowed():
    catalogue = {"kws": {"state": "absent"}, "IP-DECTserver6500firmware": {"kind": "kws", "models": ["6500"]}}
    assert dict(fw.select_firmware(catalogue, "6500")) == {"kws": "IP-DECTserver6500firmware.bin"}
    assert dict(fw.select_firmware(catalogue, "8000")) == {}


def test_entries_given_to_no_server_are_named():
    assert fw.unused_warnings(MIXED, ["6500", "8000", 6500]) == [
        "dect_firmware.IP-DECTserver400firmware: no DECT server in inventory is given IP-DECTserver400firmware.bin"
        " (kws firmware for model 400; the DECT servers' models: 6500, 8000): it is staged but never fetched"]
    assert [m.split(":")[0] for m in fw.unused_warnings(MIXED, ["400"])] == [
        "dect_firmware.IP-DECTserver6500firmware", "dect_firmware.DECTserver8000firmware",
        "dect_firmware.IP-DECTbasestationfirmware"]
    assert fw.unused_warnings(MIXED, ["400", "6500", "2500"]) == []
    assert fw.unused_warnings({"rfp6": {}}, []) == [
        "dect_firmware.rfp6: no DECT server in inventory is given rfp6.bin (rfp6 firmware for model 2500, 8000;"
        " the DECT servers' models: none): it is staged but never fetched"]


def test_guide_names_are_valid_catalogue_keys_without_overlap():
    catalogue = dict((key, {"kind": kind, "models": list(models)}) for key, (kind, models) in fw.GUIDE_NAMES.items())
    assert [e.key for e in fw.catalogue_entries(catalogue)] == list(fw.GUIDE_NAMES)
    assert dict(fw.select_firmware(catalogue, "2500")) == {
        "kws": "DECTserver8000firmware.bin", "rfp": "IP-DECTbasestationfirmware.bin",
        "rfp6": "DigitalDECTbasestationfirmware.bin"}


def test_role_argument_spec_documents_every_entry_field():
    specs = yaml.safe_load((REPO / "roles/firmware/meta/argument_specs.yml").read_text())
    catalogue = specs["argument_specs"]["main"]["options"]["firmware_catalogue"]
    text = " ".join(catalogue["description"])
    assert [field for field in fw.ENTRY_FIELDS if "C(%s)" % field not in text] == []


# ----------------------------------------------------------------------------- validation


@pytest.mark.parametrize("name", ["kws.bin", "pp14225100_Over-the-Air.bin", "KWS+8000.bin"])
def test_check_name_accepts_plain_file_names(name):
    assert fw.check_name(name) == name


@pytest.mark.parametrize("name, reason", [
    ("../kws.bin", "is not allowed: allowed is a file name of letters, digits and ._+- (no path separators or '..')"),
    ("fw/kws.bin", "is not allowed: allowed is a file name of letters, digits and ._+- (no path separators or '..')"),
    ("kws..bin", "is not allowed: allowed is a file name of letters, digits and ._+- (no path separators or '..')"),
    ("..", "is not allowed: allowed is a file name of letters, digits and ._+- (no path separators or '..')"),
    ("k ws.bin", "is not allowed: allowed is a file name of letters, digits and ._+- (no path separators or '..')"),
])
def test_check_name_refuses_paths(name, reason):
    with pytest.raises(fw.FirmwareError) as err:
        fw.check_name(name)
    assert str(err.value) == "name: '%s' %s" % (name, reason)


def test_check_name_requires_a_name():
    with pytest.raises(fw.FirmwareError) as err:
        fw.check_name("  ", "firmware_catalogue.kws.name")
    assert str(err.value) == "firmware_catalogue.kws.name: a file name is required, for example 'kws.bin'"


@pytest.mark.parametrize("raw, text", [
    ("PCS17Ea 58478", "PCS17Ea 58478"),
    ("PCS17Ea 58478\n", "PCS17Ea 58478"),
    (b"PCS24B 71234\r\n", "PCS24B 71234"),
])
def test_check_version_accepts_one_line(raw, text):
    assert fw.check_version(raw) == text
    assert fw.ver_content(fw.check_version(raw)) == text.encode()


@pytest.mark.parametrize("raw, message", [
    ("", "version: is empty: allowed one line of printable ASCII, for example 'PCS17Ea 58478'"),
    ("\n", "version: is empty: allowed one line of printable ASCII, for example 'PCS17Ea 58478'"),
    ("PCS17Ea\n58478", "version: 'PCS17Ea\\n58478' is refused: allowed one line of printable ASCII"
                       " (no line breaks, tabs or control characters)"),
    ("PCS17Ea\t58478", "version: 'PCS17Ea\\t58478' is refused: allowed one line of printable ASCII"
                       " (no line breaks, tabs or control characters)"),
    ("a\n\n", "version: 'a\\n' is refused: allowed one line of printable ASCII (no line breaks, tabs or control"
              " characters)"),
    ("files/kws.bin.ver", "version: 'files/kws.bin.ver' is refused: no '/' or '\\' allowed in version text"
                          " (to read the version from a shipped .ver file, use version_src)"),
    (" PCS17Ea", "version: ' PCS17Ea' is refused: leading or trailing blanks"),
    ("x" * 129, "version: is 129 characters long: at most 128 allowed"),
    ("PCS17É", "version: 'PCS17\\xc9' is refused: allowed one line of printable ASCII (no line breaks, tabs or"
               " control characters)"),
])
def test_check_version_refuses(raw, message):
    with pytest.raises(fw.FirmwareError) as err:
        fw.check_version(raw)
    assert str(err.value) == message


def test_check_version_refuses_non_ascii_bytes():
    with pytest.raises(fw.FirmwareError) as err:
        fw.check_version(b"\xff\xfe", "version_src")
    assert str(err.value) == ("version_src: is not ASCII text: allowed one line of printable ASCII, for example"
                              " 'PCS17Ea 58478'")


def test_parse_checksum():
    digest = hashlib.sha256(b"x").hexdigest()
    assert fw.parse_checksum("sha256:" + digest.upper()) == digest
    assert fw.parse_checksum(None) is None
    with pytest.raises(fw.FirmwareError) as err:
        fw.parse_checksum("md5:abc")
    assert str(err.value) == "checksum: 'md5:abc' is refused: allowed 'sha256:' followed by 64 hex digits"
    with pytest.raises(fw.FirmwareError) as err:
        fw.parse_checksum("sha256:abc")
    assert str(err.value) == "checksum: 'sha256:abc' is refused: a sha256 digest is 64 hex digits"
    with pytest.raises(fw.FirmwareError) as err:
        fw.parse_checksum(digest)
    assert "allowed 'sha256:' followed by 64 hex digits" in str(err.value)


def test_sha256_file(tmp_path):
    path = tmp_path / "f"
    path.write_bytes(os.urandom(3 * 1024 * 1024 + 7))
    assert fw.sha256_file(str(path)) == hashlib.sha256(path.read_bytes()).hexdigest()


# ----------------------------------------------------------------------------- the module, in-process


def run_module(args, check_mode=False, diff=False):
    """Run the firmware module's main() on real files, as on a target; return its JSON result."""
    return run_module_main(firmware_module, args, check_mode, diff)[1]


@pytest.fixture
def release(tmp_path):
    """A downloaded release on the 'host' (an image and its .ver) and an empty provisioning root."""
    image = tmp_path / "download" / "kws8000.bin"
    image.parent.mkdir()
    image.write_bytes(os.urandom(256 * 1024))
    (tmp_path / "download" / "kws8000.bin.ver").write_bytes(b"PCS24B 71234\n")
    root = tmp_path / "root"
    root.mkdir()
    return image, root


def remote_args(image, root, **extra):
    args = dict(src=str(image), remote_src=True, dest=str(root), name="kws.bin",
                version_src=str(image) + ".ver", mode="0644")
    args.update(extra)
    return args


def test_remote_src_stages_then_reruns_unchanged(release):
    image, root = release
    digest = hashlib.sha256(image.read_bytes()).hexdigest()
    first = run_module(remote_args(image, root, checksum="sha256:" + digest))
    assert first["changed"] and first["bin_changed"] and first["ver_changed"]
    assert first["sha256"] == digest and first["version"] == "PCS24B 71234" and first["size"] == 256 * 1024
    assert (root / "kws.bin").read_bytes() == image.read_bytes()
    assert (root / "kws.bin.ver").read_bytes() == b"PCS24B 71234"
    assert oct((root / "kws.bin").stat().st_mode & 0o777) == "0o644"
    assert sorted(os.listdir(root)) == ["kws.bin", "kws.bin.ver"]  # no temp file left
    second = run_module(remote_args(image, root, checksum="sha256:" + digest))
    assert not second["changed"] and not second["bin_changed"] and not second["ver_changed"]


def test_version_and_equivalent_version_src_are_the_same_bytes(release):
    image, root = release
    run_module(remote_args(image, root))
    args = remote_args(image, root, version="PCS24B 71234")
    del args["version_src"]
    assert run_module(args)["changed"] is False


def test_checksum_mismatch_writes_nothing(release):
    image, root = release
    wrong = "0" * 64
    result = run_module(remote_args(image, root, checksum="sha256:" + wrong))
    actual = hashlib.sha256(image.read_bytes()).hexdigest()
    assert result["failed"] and not result["changed"]
    assert result["msg"] == ("checksum: sha256 of %s is %s, expected %s: the file is corrupt or not the release you"
                             " meant; nothing was staged" % (image, actual, wrong))
    assert os.listdir(root) == []


@pytest.mark.parametrize("name", ["../kws.bin", "sub/kws.bin"])
def test_name_with_path_is_refused(release, name):
    image, root = release
    result = run_module(remote_args(image, root, name=name))
    assert result["failed"]
    assert result["msg"] == ("name: '%s' is not allowed: allowed is a file name of letters, digits and ._+- (no path"
                             " separators or '..')" % name)
    assert os.listdir(root) == [] and not (root.parent / "kws.bin").exists()


def test_bad_version_src_writes_nothing(release):
    image, root = release
    (image.parent / "kws8000.bin.ver").write_bytes(b"PCS24B\n71234\n")
    result = run_module(remote_args(image, root))
    assert result["failed"]
    assert result["msg"] == ("version_src: 'PCS24B\\n71234' is refused: allowed one line of printable ASCII (no line"
                             " breaks, tabs or control characters)")
    assert os.listdir(root) == []


def test_missing_dest_is_an_error(release):
    image, root = release
    result = run_module(remote_args(image, root / "nope"))
    assert result["msg"] == ("dest: '%s' is not a directory on the provisioning host: create the provisioning root"
                             " first (the provisioning_server role does)" % (root / "nope"))


def test_check_mode_with_a_root_still_to_be_created(release):
    image, root = release
    result = run_module(remote_args(image, root / "new"), check_mode=True)
    assert result["changed"] and result["bin_changed"] and result["ver_changed"]
    # ansible-core < 2.19 returns plain strings, 2.19 structured warnings
    assert [w if isinstance(w, str) else w["event"]["msg"] for w in result["warnings"]] == [
        "dest: '%s' does not exist yet; reporting what a real run would stage into it" % (root / "new")]
    assert not (root / "new").exists()


def test_check_mode_reports_and_writes_nothing(release):
    image, root = release
    result = run_module(remote_args(image, root), check_mode=True, diff=True)
    assert result["changed"] and result["bin_changed"] and result["ver_changed"]
    assert os.listdir(root) == []
    assert result["diff"][0]["after"] == "PCS24B 71234\n"
    assert result["diff"][1]["after"] == "sha256: %s\n" % hashlib.sha256(image.read_bytes()).hexdigest()


def test_check_mode_sees_a_mode_change(release):
    image, root = release
    run_module(remote_args(image, root))
    result = run_module(remote_args(image, root, mode="0640"), check_mode=True)
    assert result["changed"] and not result["bin_changed"] and not result["ver_changed"]
    assert oct((root / "kws.bin").stat().st_mode & 0o777) == "0o644"


def test_version_only_change_keeps_the_image(release):
    image, root = release
    run_module(remote_args(image, root))
    inode = (root / "kws.bin").stat().st_ino
    args = remote_args(image, root, version="PCS24C 71300")
    del args["version_src"]
    result = run_module(args, diff=True)
    assert result["changed"] and result["ver_changed"] and not result["bin_changed"]
    assert (root / "kws.bin").stat().st_ino == inode
    assert (root / "kws.bin.ver").read_bytes() == b"PCS24C 71300"
    assert result["diff"][0]["before"] == "PCS24B 71234\n" and result["diff"][0]["after"] == "PCS24C 71300\n"


def test_a_new_image_under_the_staged_version_text_is_refused_unless_allowed(release):
    image, root = release
    run_module(remote_args(image, root))
    staged = (root / "kws.bin").read_bytes()
    image.write_bytes(os.urandom(4096))  # a rebuilt image, its .ver text unchanged
    for check_mode in (True, False):
        refused = run_module(remote_args(image, root), check_mode=check_mode)
        assert refused["failed"] and not refused["changed"]
        assert refused["msg"] == (
            "version_src: 'PCS24B 71234' is the version already staged in %s/kws.bin.ver, but the image differs from"
            " %s/kws.bin: devices fetch an image only when the .ver text differs from the version they run, so none"
            " would ever fetch this one; give the new image its own version text, or set allow_same_version to stage"
            " it anyway; nothing was staged" % (root, root))
    assert (root / "kws.bin").read_bytes() == staged and (root / "kws.bin.ver").read_bytes() == b"PCS24B 71234"
    allowed = run_module(remote_args(image, root, allow_same_version=True))
    assert allowed["changed"] and allowed["bin_changed"] and not allowed["ver_changed"]
    assert (root / "kws.bin").read_bytes() == image.read_bytes() and (root / "kws.bin.ver").read_bytes() == b"PCS24B 71234"


class Recorder:
    """Wraps os.unlink and os.rename to log what touches the root's published names, in order
    (temp files and the root lock's holder record, dot files, are left out: only what a polling
    device can see)."""

    def __init__(self, monkeypatch, root):
        self.events = []
        real_unlink, real_rename = os.unlink, os.rename
        recorder = self

        def unlink(path, *a, **kw):
            real_unlink(path, *a, **kw)
            if os.path.dirname(str(path)) == str(root) and not os.path.basename(str(path)).startswith("."):
                recorder.events.append(("unlink", os.path.basename(str(path))))

        def rename(src, dest, *a, **kw):
            if os.path.dirname(str(dest)) == str(root) and not os.path.basename(str(dest)).startswith("."):
                data = Path(src).read_bytes()
                recorder.events.append(("rename", os.path.basename(dest),
                                        data if str(dest).endswith(".ver") else hashlib.sha256(data).hexdigest()))
            return real_rename(src, dest, *a, **kw)

        monkeypatch.setattr(os, "unlink", unlink)
        monkeypatch.setattr(os, "rename", rename)


def test_image_change_withdraws_ver_then_renames_image_then_writes_ver(release, monkeypatch):
    image, root = release
    run_module(remote_args(image, root))
    image.write_bytes(os.urandom(1024))
    new_sha = hashlib.sha256(image.read_bytes()).hexdigest()
    (image.parent / "kws8000.bin.ver").write_bytes(b"PCS25A 80000\n")
    recorder = Recorder(monkeypatch, root)
    result = run_module(remote_args(image, root))
    assert result["bin_changed"] and result["ver_changed"]
    assert recorder.events == [("unlink", "kws.bin.ver"), ("rename", "kws.bin", new_sha),
                               ("rename", "kws.bin.ver", b"PCS25A 80000")]


def test_absent_removes_ver_first(release, monkeypatch):
    image, root = release
    run_module(remote_args(image, root))
    recorder = Recorder(monkeypatch, root)
    result = run_module(dict(dest=str(root), name="kws.bin", state="absent"), diff=True)
    assert result["changed"] and result["bin_changed"] and result["ver_changed"]
    assert result["version"] == "PCS24B 71234"
    assert recorder.events == [("unlink", "kws.bin.ver"), ("unlink", "kws.bin")]
    assert os.listdir(root) == []
    again = run_module(dict(dest=str(root), name="kws.bin", state="absent"))
    assert not again["changed"] and not again["bin_changed"]


def test_src_equal_to_the_staged_image_is_refused(release):
    image, root = release
    run_module(remote_args(image, root))
    result = run_module(remote_args(root / "kws.bin", root))
    assert result["msg"] == ("src: '%s' is the staged image itself: give the downloaded file instead"
                             % (root / "kws.bin"))


def test_upload_mode_moves_the_upload_and_asks_for_it_when_missing(release):
    """The protocol the action plugin relies on: upload_required, then a rename of the upload."""
    image, root = release
    digest = hashlib.sha256(image.read_bytes()).hexdigest()
    upload = root / fw.staging_name("kws.bin")
    args = dict(src=str(upload), remote_src=True, dest=str(root), name="kws.bin",
                version="PCS24B 71234", checksum="sha256:" + digest)
    asked = run_module(args)
    assert asked["upload_required"] and not asked["changed"] and os.listdir(root) == []
    upload.write_bytes(image.read_bytes())
    done = run_module(args)
    assert done["changed"] and done["bin_changed"]
    assert sorted(os.listdir(root)) == ["kws.bin", "kws.bin.ver"]
    assert not run_module(args)["changed"]


def test_upload_mode_replaces_a_corrupt_left_over_upload(release):
    """An upload that is not the promised image (a run killed mid-transfer) is removed and asked for again."""
    image, root = release
    digest = hashlib.sha256(image.read_bytes()).hexdigest()
    upload = root / fw.staging_name("kws.bin")
    upload.write_bytes(b"truncated")
    result = run_module(dict(src=str(upload), remote_src=True, dest=str(root), name="kws.bin",
                             version="PCS24B 71234", checksum="sha256:" + digest))
    assert not result.get("failed") and result["upload_required"] is True and result["changed"] is False
    assert os.listdir(root) == []


def test_source_problems_name_the_entry_and_field_of_each_missing_or_relative_file(tmp_path):
    image = tmp_path / "kws.bin"
    image.write_bytes(b"IMAGE")
    catalogue = {
        "kws": {"src": str(image), "version_src": str(tmp_path / "kws.bin.ver")},
        "pp14225100": {"src": "files/pp7x.bin", "version": "1"},
        "rfp6": {"state": "absent", "src": "/nowhere.bin"},
        "rfp": {"src": "/on/the/host.bin", "remote_src": True},
    }
    assert fw.source_problems(catalogue) == [
        "dect_firmware.kws.version_src: '%s' is not a file on the controller: allowed an existing file (or"
        " remote_src: true for a file already on the provisioning hosts)" % (tmp_path / "kws.bin.ver"),
        "dect_firmware.pp14225100.src: 'files/pp7x.bin' is a relative path, which the firmware role would look up in"
        " the collection's role and playbook directories: allowed an absolute path on the controller (as"
        " '{{ inventory_dir }}/firmware/pp7x.bin')"]
    assert fw.source_problems({"kws": {"src": str(image), "version": "1"}}) == []
