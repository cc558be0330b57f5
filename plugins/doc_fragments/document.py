# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    """Options of the modules that publish one XML document per DECT server."""

    DOCUMENTATION = r"""
options:
  state:
    description:
      - V(present) writes the file, V(absent) removes it.
      - V(rendered) validates and returns the XML (secrets masked) without touching any host.
      - V(parsed) reads a document from O(src) or O(content) and returns it as the data this module takes
        (with RV(errors) and RV(valid)); nothing is written.
    type: str
    choices: [present, absent, rendered, parsed]
    default: present
  path:
    description:
      - The file to write or remove. Mutually exclusive with O(dest).
    type: path
  dest:
    description:
      - The provisioning root directory; the file name comes from O(mac), as the device asks for it.
    type: path
  mac:
    description:
      - The DECT server's MAC address, in any common spelling (V(00:13:D1:80:00:32), V(0013.d180.0032), ...).
      - Required with O(dest).
    type: str
  model:
    description:
      - The server model. V(400) and V(6500) form the IP-DECT family, V(2500) and V(8000) the DECT family.
      - Integers are accepted. Required unless O(state=absent).
    type: str
    choices: ["400", "6500", "2500", "8000"]
  strict:
    description:
      - Whether an element the provisioning guide does not list is an error.
      - When V(false) it is written as given with a warning, since firmware adds what the guide does not list.
      - For C(config_xml), V(true) also turns the warnings about a parameter whose family the schema inferred,
        or which the guide narrows to other models of the family, into errors
        (see O(dect.provisioning.config_xml#module:family_overrides)).
    type: bool
    default: false
  backup:
    description:
      - Keep a timestamped copy (mode 0600) of the file being replaced in O(backup_dir).
    type: bool
    default: false
  backup_dir:
    description:
      - Where O(backup=true) keeps the replaced files. Required with O(backup=true), and refused when it
        lies inside the directory of the published file, which devices fetch from, since a backup of
        a document carries its passwords.
    type: path
  max_input_size:
    description:
      - Largest O(src) or O(content) read, in bytes.
      - Checked before anything is read, O(src) by its size on disk (a vault-encrypted file may be twice
        as large there, and is checked again once decrypted), O(content) by its length; a larger input
        fails naming its size and this option.
      - XML nested more than 16 elements deep is refused as it is read, whatever this option says.
    type: int
    default: 8388608
attributes:
  safe_file_operations:
    support: full
notes:
  - Rendering and validation run on the controller (an action plugin, like M(ansible.builtin.template));
    the host needs only Python 3. The file reaches it through M(dect.provisioning.publish)'s module,
    which sends only what differs.
  - The file is written without following a symlink (a symlink, directory or anything but a regular
    file at its name is an error naming the path), through a temp file that gets O(mode), O(owner)
    and O(group) before it is renamed into place. O(mode) defaults to C(0640) since the documents
    carry passwords; a mode giving others any permission is refused.
  - Where the file cannot be replaced by a rename (it is a bind mount), the task fails naming it and nothing
    changes, unless O(unsafe_writes=true) is set (C(ANSIBLE_UNSAFE_WRITES=1) in the environment of
    C(ansible-playbook) or of the module on the host sets it too); the content is then written into the
    existing file in place, still never through a symlink.
"""
