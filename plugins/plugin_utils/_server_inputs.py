# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What one DECT server's documents are made from, resolved on the controller: the one home of what
the ``dect.provisioning.dect_server`` lookup returns and of what the render step of
``dect.provisioning.publish`` resolves itself when given no ``server``.

The render step calls it directly, not through ``{{ lookup(...) }}``: a lookup in a task argument
is loaded, compiled and its result templated again in every forked worker, which made a quarter of
the render step's time per DECT server (profiled on ansible-core 2.19, 1,000 servers; see
docs/benchmarks.md). Both callers get the same result, the same warnings and the same errors.
"""

from __future__ import annotations

from ansible.errors import AnsibleError
from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.dect.provisioning.plugins.module_utils.identifiers import IdentifierError
from ansible_collections.dect.provisioning.plugins.module_utils.provisioning_section import SiteError
from ansible_collections.dect.provisioning.plugins.module_utils.server_variables import USERS_SRC_MAX_SIZE, server_documents
from ansible_collections.dect.provisioning.plugins.plugin_utils import _inventory_checks
from ansible_collections.dect.provisioning.plugins.plugin_utils._loader_files import TooLarge, read_capped
from ansible_collections.dect.provisioning.plugins.plugin_utils._site_index import site_index

# How every message of the resolution begins, whichever plugin resolved it.
PREFIX = "dect.provisioning.dect_server: "


class Unresolved(Exception):
    """The server's inputs cannot be resolved; the message names the variable (and begins with PREFIX)."""


def resolve(templar, variables, loader, find_file):
    """``(documents, warnings)`` for the host whose ``variables`` these are: the lookup's one result
    (``mac``, ``model``, ``config``, ``users``, ``record``) and the inventory warnings naming the server.

    ``templar`` templates a variable's value (inventory values may hold templates); ``find_file(path)``
    is where a users ``src`` is found like a role's file (None: not found, read as given); ``loader``
    reads it, vault-decrypted. Raises Unresolved."""
    def get(name):
        # KeyError when unset; a set value is templated.
        return templar.template(variables[name])

    def read_file(path):
        try:
            return read_capped(loader, find_file(path) or path, USERS_SRC_MAX_SIZE)
        except TooLarge as exc:
            raise OSError("%s: %s" % (path, exc))
        except AnsibleError:
            raise OSError("'%s' is not a readable file on the controller" % path)

    try:
        documents = server_documents(get, read_file)
    except (SiteError, IdentifierError) as exc:
        raise Unresolved(PREFIX + str(exc))
    except AnsibleError as exc:
        raise Unresolved(PREFIX + str(exc.message))
    duplicate = site_index(variables)["duplicates"].get(variables.get("inventory_hostname"))
    if duplicate:
        raise Unresolved(PREFIX + duplicate)
    return documents, inventory_warnings(variables, get)


def inventory_warnings(variables, get):
    """Misspelt dect_* variables and secrets typed into inventory as plain text: warnings naming the
    server; with dect_require_vault the latter raise Unresolved."""
    host = variables.get("inventory_hostname", "this DECT server")
    warnings = _inventory_checks.unknown_variables(host, variables.keys())
    plain = _inventory_checks.unvaulted_secrets(host, variables)
    try:
        required = boolean(get(_inventory_checks.REQUIRE_VAULT), strict=True)
    except KeyError:
        required = False
    except TypeError:
        raise Unresolved(PREFIX + "%s: '%s' is not a boolean" % (
            _inventory_checks.REQUIRE_VAULT, variables.get(_inventory_checks.REQUIRE_VAULT)))
    if plain and required:
        raise Unresolved(PREFIX + "; ".join(plain))
    return warnings + plain
