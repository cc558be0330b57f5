"""dect.provisioning.firmware (module, action plugin, role) through ansible-playbook on real files."""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
import time
from pathlib import Path

import pytest


def sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def result_of(run, marker="FW_RESULT"):
    match = re.search(r'"msg": "%s=(.*)"\n' % marker, run.stdout)
    assert match, run.output
    return json.loads(json.loads('"%s"' % match.group(1)))


def release(directory, name, size, version):
    """A fake firmware release: random image bytes and a .ver with a line ending, as shipped."""
    directory.mkdir(parents=True, exist_ok=True)
    image = directory / name
    image.write_bytes(os.urandom(size))
    Path(str(image) + ".ver").write_bytes(version.encode() + b"\n")
    return image


@pytest.fixture
def root(tmp_path):
    path = tmp_path / "srv-dect"
    path.mkdir()
    return path


def test_stage_from_controller_then_noop_then_check_mode(play, tmp_path, root):
    image = release(tmp_path / "files", "kws6500.bin", 3 * 1024 * 1024 + 5, "PCS24B 71234")
    stage = dict(fw_src=str(image), fw_root=str(root), fw_version_src=str(image) + ".ver",
                 fw_checksum="sha256:" + sha256(image))
    first = play("firmware_stage.yml", extra_vars=stage, verbosity=3)
    assert first.rc == 0, first.output
    assert first.output.count("PUT %s TO" % image) == 1  # sent once, to the upload file
    result = result_of(first)
    assert result["changed"] and result["bin_changed"] and result["ver_changed"]
    assert result["sha256"] == sha256(image) and result["version"] == "PCS24B 71234"
    assert (root / "kws.bin").read_bytes() == image.read_bytes()
    assert (root / "kws.bin.ver").read_bytes() == b"PCS24B 71234"
    assert sorted(os.listdir(root)) == ["kws.bin", "kws.bin.ver"]  # the upload file was renamed away
    assert oct((root / "kws.bin").stat().st_mode & 0o777) == "0o644"

    inode = (root / "kws.bin").stat().st_ino
    second = play("firmware_stage.yml", extra_vars=stage, verbosity=3)
    assert second.rc == 0 and second.recap()["changed"] == 0, second.output
    assert not result_of(second)["bin_changed"]
    assert "PUT %s" % image not in second.output  # the image did not travel again
    assert (root / "kws.bin").stat().st_ino == inode

    newer = release(tmp_path / "files2", "kws6500.bin", 1024, "PCS25A 80000")
    check = play("firmware_stage.yml", check=True, diff=True,
                 extra_vars=dict(stage, fw_src=str(newer), fw_version_src=str(newer) + ".ver",
                                 fw_checksum="sha256:" + sha256(newer)))
    assert check.rc == 0 and check.recap()["changed"] == 1, check.output
    assert "-PCS24B 71234\n+PCS25A 80000" in check.stdout
    assert "+sha256: %s" % sha256(newer) in check.stdout
    assert (root / "kws.bin").read_bytes() == image.read_bytes()
    assert sorted(os.listdir(root)) == ["kws.bin", "kws.bin.ver"]


def test_checksum_mismatch_fails_before_anything_is_transferred(play, tmp_path, root):
    image = release(tmp_path / "files", "kws.bin", 4096, "PCS24B 71234")
    wrong = "ab" * 32
    run = play("firmware_stage.yml", extra_vars=dict(fw_src=str(image), fw_root=str(root), fw_version="PCS24B 71234",
                                                     fw_checksum="sha256:" + wrong))
    assert run.rc == 2
    assert ("checksum: sha256 of %s is %s, expected %s: the file is corrupt or not the release you meant;"
            " nothing was staged" % (image, sha256(image), wrong)) in run.stdout
    assert os.listdir(root) == []


@pytest.mark.parametrize("name", ["../kws.bin", "fw/kws.bin"])
def test_name_with_a_path_is_refused(play, tmp_path, root, name):
    image = release(tmp_path / "files", "kws.bin", 4096, "PCS24B 71234")
    run = play("firmware_stage.yml", extra_vars=dict(fw_src=str(image), fw_root=str(root), fw_version="PCS24B 71234",
                                                     fw_name=name))
    assert run.rc == 2
    assert ("name: '%s' is not allowed: allowed is a file name of letters, digits and ._+- (no path separators or '..')"
            % name) in run.stdout
    assert os.listdir(root) == [] and not (tmp_path / "kws.bin").exists()


def test_version_text_with_a_line_break_is_refused(play, tmp_path, root):
    image = release(tmp_path / "files", "kws.bin", 4096, "x")
    run = play("firmware_stage.yml", extra_vars=dict(fw_src=str(image), fw_root=str(root),
                                                     fw_version="PCS24B\n71234"))
    assert run.rc == 2
    assert ("version: 'PCS24B\\\\n71234' is refused: allowed one line of printable ASCII (no line breaks, tabs or"
            " control characters)") in run.stdout
    assert os.listdir(root) == []


def test_remote_src_and_absent_on_a_target_without_lxml(play, tmp_path, root, no_lxml_inventory):
    """remote_src copies on the host; the module needs nothing but Debian's own python3."""
    image = release(tmp_path / "on-host", "kws8000.bin", 2 * 1024 * 1024, "PCS17Ea 58478")
    inventory = no_lxml_inventory
    stage = dict(fw_src=str(image), fw_remote_src=True, fw_root=str(root), fw_version_src=str(image) + ".ver")
    run = play("firmware_stage.yml", inventory=inventory, extra_vars=stage)
    assert run.rc == 0, run.output
    assert (root / "kws.bin").read_bytes() == image.read_bytes()
    assert (root / "kws.bin.ver").read_bytes() == b"PCS17Ea 58478"
    again = play("firmware_stage.yml", inventory=inventory, extra_vars=stage)
    assert again.recap()["changed"] == 0, again.output

    gone = play("firmware_stage.yml", inventory=inventory, extra_vars=dict(fw_root=str(root), fw_state="absent"))
    assert gone.rc == 0 and gone.recap()["changed"] == 1, gone.output
    assert result_of(gone)["version"] == "PCS17Ea 58478"
    assert os.listdir(root) == []


def test_role_stages_the_catalogue_and_publishes_names(play, tmp_path, root):
    kws = release(tmp_path / "files", "kws6500.bin", 100000, "PCS24B 71234")
    handset = release(tmp_path / "files", "pp7x_Over-the-Air.bin", 50000, "PP7X 1.2.3")
    catalogue = {
        "kws": {"src": str(kws), "version": "PCS24B 71234", "checksum": "sha256:" + sha256(kws)},
        "pp14225100": {"src": str(handset), "version_src": str(handset) + ".ver", "name": "pp7x.bin"},
        "rfp6": {"state": "absent"},
    }
    fresh = dict(dect_firmware=catalogue, dect_provisioning_root=str(root / "fresh"))
    check = play("firmware_role.yml", extra_vars=fresh, check=True)  # a new host, root not there yet
    assert check.rc == 0 and check.recap()["changed"] == 2, check.output  # root + the staging loop
    assert not (root / "fresh").exists()

    extra = dict(dect_firmware=catalogue, dect_provisioning_root=str(root))
    run = play("firmware_role.yml", extra_vars=extra)
    assert run.rc == 0, run.output
    assert result_of(run, "FW_NAMES") == {"kws": "kws.bin", "pp14225100": "pp7x.bin"}
    assert sorted(os.listdir(root)) == ["kws.bin", "kws.bin.ver", "pp7x.bin", "pp7x.bin.ver"]
    assert (root / "pp7x.bin").read_bytes() == handset.read_bytes()
    assert (root / "pp7x.bin.ver").read_bytes() == b"PP7X 1.2.3"
    again = play("firmware_role.yml", extra_vars=extra)
    assert again.rc == 0 and again.recap()["changed"] == 0, again.output


def test_role_refuses_a_catalogue_key_that_is_no_firmware_kind(play, tmp_path, root):
    image = release(tmp_path / "files", "kws.bin", 1000, "V1")
    run = play("firmware_role.yml", extra_vars=dict(
        dect_provisioning_root=str(root),
        dect_firmware={"kws": {"src": str(image), "version": "V1"}, "default_kws": {"src": str(image)}}))
    assert run.rc == 2
    assert ("dect_firmware.default_kws.kind: 'default_kws' is not a firmware kind (no kind given, so the key is the"
            " kind): allowed kws, rfp, rfp6, pp14208700, pp14225100, pp14225110, pp14225190") in run.stdout
    assert os.listdir(root) == []


def test_role_stages_one_image_per_model_and_refuses_overlaps_before_staging(play, tmp_path, root):
    ipdect = release(tmp_path / "files", "IP-DECTserver6500firmware.bin", 3000, "PCS24B 71234")
    dect = release(tmp_path / "files", "DECTserver8000firmware.bin", 2000, "PCS24C 400")
    catalogue = {
        "IP-DECTserver6500firmware": {"kind": "kws", "models": ["6500"], "src": str(ipdect),
                                      "version_src": str(ipdect) + ".ver"},
        "DECTserver8000firmware": {"kind": "kws", "models": ["2500", 8000], "src": str(dect), "version": "PCS24C 400"},
    }
    overlapping = dict(catalogue, kws={"src": str(dect), "version": "X 1"})
    refused = play("firmware_role.yml", extra_vars=dict(dect_firmware=overlapping, dect_provisioning_root=str(root)))
    assert refused.rc == 2
    assert ("dect_firmware: entries 'IP-DECTserver6500firmware' and 'kws' are both kws firmware for model 6500: each"
            " model takes one entry per kind (set models so that they do not overlap)") in refused.stdout
    assert os.listdir(root) == []

    run = play("firmware_role.yml", extra_vars=dict(dect_firmware=catalogue, dect_provisioning_root=str(root)))
    assert run.rc == 0, run.output
    assert result_of(run, "FW_NAMES") == {"IP-DECTserver6500firmware": "IP-DECTserver6500firmware.bin",
                                          "DECTserver8000firmware": "DECTserver8000firmware.bin"}
    assert result_of(run, "FW_RESTAGED") == {"IP-DECTserver6500firmware.bin": True, "DECTserver8000firmware.bin": True}
    assert (root / "IP-DECTserver6500firmware.bin").read_bytes() == ipdect.read_bytes()
    assert (root / "IP-DECTserver6500firmware.bin.ver").read_bytes() == b"PCS24B 71234"
    assert (root / "DECTserver8000firmware.bin.ver").read_bytes() == b"PCS24C 400"
    # No DECT server in this inventory: every entry is staged but given to none, and says so once.
    flat = " ".join(run.output.split())
    for key, kind_models in (("IP-DECTserver6500firmware", "kws firmware for model 6500"),
                             ("DECTserver8000firmware", "kws firmware for model 2500, 8000")):
        assert flat.count("[WARNING]: dect_firmware.%s: no DECT server in inventory is given %s.bin (%s; the DECT"
                          " servers' models: none): it is staged but never fetched" % (key, key, kind_models)) == 1, run.output

    # Only the 8000 image's version text changes: only it is restaged, with its version changed.
    newer = dict(catalogue, DECTserver8000firmware=dict(catalogue["DECTserver8000firmware"], version="PCS25A 1"))
    again = play("firmware_role.yml", extra_vars=dict(dect_firmware=newer, dect_provisioning_root=str(root)))
    assert again.rc == 0, again.output
    assert result_of(again, "FW_RESTAGED") == {"DECTserver8000firmware.bin": True}


def test_a_new_image_under_the_staged_version_is_refused_unless_allowed(play, tmp_path, root):
    image = release(tmp_path / "files", "kws6500.bin", 4096, "PCS24B 71234")
    stage = dict(fw_src=str(image), fw_root=str(root), fw_version_src=str(image) + ".ver")
    assert play("firmware_stage.yml", extra_vars=stage).rc == 0
    staged = (root / "kws.bin").read_bytes()
    rebuilt = release(tmp_path / "rebuilt", "kws6500.bin", 4096, "PCS24B 71234")  # new bytes, same .ver text
    message = ("version_src: 'PCS24B 71234' is the version already staged in {0}/kws.bin.ver, but the image differs"
               " from {0}/kws.bin: devices fetch an image only when the .ver text differs from the version they run,"
               " so none would ever fetch this one; give the new image its own version text, or set"
               " allow_same_version to stage it anyway; nothing was staged").format(root)
    for check in (True, False):
        refused = play("firmware_stage.yml", check=check, verbosity=3,
                       extra_vars=dict(stage, fw_src=str(rebuilt), fw_version_src=str(rebuilt) + ".ver"))
        assert refused.rc == 2 and message in refused.stdout, refused.output
        assert "PUT %s" % rebuilt not in refused.output  # refused before the image travelled
    assert (root / "kws.bin").read_bytes() == staged and sorted(os.listdir(root)) == ["kws.bin", "kws.bin.ver"]
    by_text = play("firmware_stage.yml", extra_vars=dict(fw_src=str(rebuilt), fw_root=str(root), fw_version="PCS24B 71234"))
    assert by_text.rc == 2 and message.replace("version_src: ", "version: ", 1) in by_text.stdout, by_text.output

    allowed = play("firmware_stage.yml", extra_vars=dict(stage, fw_src=str(rebuilt), fw_version_src=str(rebuilt) + ".ver",
                                                         fw_allow_same_version=True))
    assert allowed.rc == 0, allowed.output
    result = result_of(allowed)
    assert result["changed"] and result["bin_changed"] and not result["ver_changed"]
    assert (root / "kws.bin").read_bytes() == rebuilt.read_bytes()
    assert (root / "kws.bin.ver").read_bytes() == b"PCS24B 71234"


def test_role_refuses_version_and_version_src_together(play, tmp_path, root):
    image = release(tmp_path / "files", "kws.bin", 1000, "V1")
    run = play("firmware_role.yml", extra_vars=dict(
        dect_provisioning_root=str(root),
        dect_firmware={"kws": {"src": str(image), "version": "V1", "version_src": str(image) + ".ver"}}))
    assert run.rc == 2
    assert "parameters are mutually exclusive: version|version_src" in run.stdout
    assert os.listdir(root) == []


class Poller(threading.Thread):
    """A device polling as fast as it can: read the .ver, then fetch the .bin it points at.

    Each sample records the .ver text, the identity of the .ver file before the .bin was opened and
    just after (inode, mtime), and the sha256 of the .bin it read.
    """

    def __init__(self, root):
        super().__init__(daemon=True)
        self.ver, self.bin = root / "kws.bin.ver", root / "kws.bin"
        self.samples = []
        self.errors = []
        self.stop = threading.Event()

    def _identity(self):
        try:
            st = os.stat(self.ver)
            return st.st_ino, st.st_mtime_ns, st.st_size
        except FileNotFoundError:
            return None

    def run(self):
        deadline = time.monotonic() + 120  # bounded even if the test forgets to stop us
        while not self.stop.is_set() and time.monotonic() < deadline:
            try:
                before = self._identity()
                with open(self.ver, "rb") as handle:
                    version = handle.read().decode()
                with open(self.bin, "rb") as image:
                    after = self._identity()  # the .bin's content is fixed once it is open
                    digest = hashlib.sha256(image.read()).hexdigest()
            except FileNotFoundError:
                continue  # no .ver (being withdrawn) or nothing staged yet: the device waits
            except Exception as exc:  # noqa: BLE001 - report anything else in the main thread
                self.errors.append(repr(exc))
                return
            self.samples.append((version, before, after, digest))


def test_a_polling_device_never_sees_a_ver_without_its_complete_bin(play, tmp_path, root):
    """While the image is replaced six times, every .ver read is followed by its own complete .bin.

    The poller opens the .bin right after reading the .ver, as a device does within one check; the
    module's ver_grace pause (1 s here) between withdrawing the old .ver and moving the new image in
    covers that gap, so not one sample may pair a .ver with another release's image.
    """
    versions = ["PCS24B 71234", "PCS25A 80000", "PCS26C 81111"]
    releases = []
    for index, version in enumerate(versions):
        image = release(tmp_path / ("r%d" % index), "kws.bin", 8 * 1024 * 1024, version)
        releases.append(dict(src=str(image), version=version, sha256=sha256(image)))
    expected = {r["version"]: r["sha256"] for r in releases}
    sequence = releases + releases  # A B C A B C: six image changes

    poller = Poller(root)
    poller.start()
    try:
        run = play("firmware_replace.yml", extra_vars=dict(fw_root=str(root), fw_releases=sequence, fw_ver_grace=1))
    finally:
        poller.stop.set()
        poller.join(10)
    assert run.rc == 0 and run.recap()["changed"] == 1, run.output
    assert not poller.errors, poller.errors
    assert (root / "kws.bin.ver").read_text() == versions[-1] and sha256(root / "kws.bin") == releases[-1]["sha256"]

    mismatches = [(v, d) for v, _b, _a, d in poller.samples if expected.get(v) != d]
    assert not mismatches, mismatches[:5]
    assert len(poller.samples) >= 20, "the poller hardly ran: %d samples" % len(poller.samples)
    seen = {v for v, _b, _a, _d in poller.samples}
    assert len(seen) >= 2, "the poller saw only %s" % seen
    print("poller: %d samples over %d versions, all matching" % (len(poller.samples), len(seen)))


def test_without_grace_a_polling_device_still_never_reads_a_partial_image(play, tmp_path, root):
    """ver_grace 0: a read straddling a publish may pair the old .ver with the next image, but every
    image read is a complete staged release, and every .bin opened while its .ver was still the
    published one is that version's image."""
    versions = ["PCS24B 71234", "PCS25A 80000"]
    releases = []
    for index, version in enumerate(versions):
        image = release(tmp_path / ("r%d" % index), "kws.bin", 8 * 1024 * 1024, version)
        releases.append(dict(src=str(image), version=version, sha256=sha256(image)))
    expected = {r["version"]: r["sha256"] for r in releases}

    poller = Poller(root)
    poller.start()
    try:
        run = play("firmware_replace.yml", extra_vars=dict(fw_root=str(root), fw_releases=releases * 2, fw_ver_grace=0))
    finally:
        poller.stop.set()
        poller.join(10)
    assert run.rc == 0, run.output
    assert not poller.errors, poller.errors
    consistent = [s for s in poller.samples if s[1] is not None and s[1] == s[2]]
    assert not [(v, d) for v, _b, _a, d in consistent if expected.get(v) != d]
    assert all(d in expected.values() for _v, _b, _a, d in poller.samples)
