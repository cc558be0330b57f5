# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every configuration parameter of Appendix A of the Spectralink provisioning guide, as data.

One ``Param`` per parameter, in the guide's order:
- ``path``: the XML path under ``<config>`` joined with '.'; a segment ending in ``[]`` is an
  array whose elements are that name plus a number (``shelf[]`` matches ``shelf1``, ``shelf12``);
- ``families``: ``DECT`` (2500/8000), ``IPDECT`` (400/6500) or ``BOTH``;
- ``type``: a param_types instance (what values are allowed and how they are written);
- ``default``: the guide's default, as the guide writes it (documentation only: nothing is
  rendered that the user did not set);
- ``secret``: masked in every output, diff and log;
- ``description``: the guide's description, shortened;
- ``alias``: the same setting's path on the other family (``dect.auth_call`` <-> ``system_event.auth_call``);
- ``note``: our reading where the guide is ambiguous;
- ``hidden``: marked '*' in the guide (hidden or needs a license);
- ``inferred``: the family comes from our reading, not from the guide's marks (a row with one
  family mark whose column the PDF text lost); its ``note`` gives the reason. A family mismatch on
  such a row is a warning, an error only with ``strict``;
- ``models``: the models of the family the parameter applies to, when the guide narrows it to
  some of them (media resources only on the 6500, base station provisioning not on the 400);
  None means every model of its families.

How the guide was read (details in each entry's ``note``):
- The PDF text lost the position of the single "x" marks of the two family columns (2500/8000,
  400/6500). A row with two marks is ``BOTH``; for a row with one mark the family is inferred
  from the "(same as ... on 2500/8000)" notes, the features (analog lines, KWS, TAP, RS232,
  MSF/EMD are 2500/8000; media resources are 6500), "(8000)"/"(6500)" defaults, the 6500 and
  8000 provisioning examples and Appendix B (a 400/6500 file); such entries say so in ``note``.
- Section names the PDF split over two lines ("provisionin g", "system_ event", ...) are joined;
  element names keep the guide's spelling, typos included (``reciepient_address``,
  ``acustic_feedback_on_release``, ``SMS_AlertTmeout``), since the device matches names exactly.
- A '*' in the section cell belongs to that section's first row, as the rows after it carry
  their own stars.

This module is data only: config_settings validates, renders and parses with it.
"""

from __future__ import annotations

from collections import namedtuple

from ansible_collections.dect.provisioning.plugins.module_utils.param_types import (
    Bool,
    Decimal,
    Enum,
    Fields,
    FileName,
    HexInt,
    Host,
    Int,
    IPv4,
    IPv6,
    LimitedText,
    List,
    Netmask,
    ProvisioningUrl,
    Text,
    Time,
    TimeOrImmediately,
)

DECT = ("dect",)
IPDECT = ("ipdect",)
BOTH = ("dect", "ipdect")

Param = namedtuple("Param", "path families type default secret description alias note hidden inferred models")

INFERRED_MARK = "Family inferred"


def parameter(path, families, ptype, default=None, description="", secret=False, alias=None, note=None, hidden=False,
              models=None):
    """Build one schema entry; keyword defaults keep the table below readable.

    A one-family row whose note starts a sentence with "Family inferred" is ``inferred``.
    """
    inferred = len(families) == 1 and INFERRED_MARK in (note or "")
    return Param(path, families, ptype, default, secret, description, alias, note, hidden, inferred,
                 tuple(models) if models else None)


# Models narrowed by the guide's own words (Provisioning overview and "Enabling Enhanced Provisioning"):
# media resources are "only relevant to Spectralink IP-DECT Server 6500"; base station firmware provisioning
# is "not relevant to the Spectralink IP-DECT Server 400 single cell solution".
NOT_400 = ("6500", "2500", "8000")
ONLY_6500 = ("6500",)
NOT_400_NOTE = ("Not on the 400: the guide says base station firmware provisioning is not relevant to the 400 single"
                " cell solution (its base station is updated with the server firmware).")
ONLY_6500_NOTE = "Only the 6500 of its family: the guide says media resources are only relevant to the 6500."
MR_NOT_400_NOTE = "Not on the 400: the guide says media resources are only relevant to the 6500."


def _notes(*parts):
    """Join the non-empty note parts into one note (None when there are none)."""
    text = " ".join(part for part in parts if part)
    return text or None


# Types used by several entries.
PORT = Int(1, 65535)
TOS = Int(0, 255)
VLAN_COS = Int(0, 7)
SECONDS = Int(0, None, unit="seconds")
ACCESS_CODE = LimitedText(max_length=8, pattern=r"^[0-9]*$", pattern_text="the digits 0-9")
TX_POWER_MW = Enum("1", "1.6", "2.5", "4", "6.3", "10", "16", "25", "40", "63", "100", "158", "250")
# 0x00/0x01/0x02 choose the chargers; 0x04 and 0x08 are check boxes added to that choice.
_MULTICHARGER = sorted(base | extra for base in (0x00, 0x01, 0x02) for extra in (0x00, 0x04, 0x08, 0x0C))
# SMS_PriColour: low nibble a colour pair 0x00..0x0C, high nibble a priority level 0..15.
_PRICOLOUR = sorted((level << 4) | colour for level in range(16) for colour in range(0x0D))

# Notes shared by several entries.
INFERRED_ANALOG = "Family inferred: 2500/8000 (analog lines exist only on the 2500/8000)."
INFERRED_HANDSET_SHARING = (
    "Family inferred: 2500/8000 (the 400/6500 switches handset sharing with dect.handset_sharing; this section's hex codes"
    " and its 'long press 8' match msf.local_longpress_8, a 2500/8000 entry). Section element spelled 'Handset_sharing'"
    " with a capital H, as the guide writes it.")
INFERRED_INSTALLATION = (
    "Family inferred: 2500/8000 ('Installation' is the 2500/8000 web menu; the mail defaults name the KWS8000).")
INFERRED_LOG = "Family inferred: 400/6500 (the scope setting names media resources, which only the 6500 has)."
INFERRED_MEDIA_RESOURCE = "Family inferred: 400/6500 (media resources exist only on the 6500)."
INFERRED_MSF = "Family inferred: 2500/8000 (local key handling versus the MSF/EMD messaging interface of the 2500/8000)."
INFERRED_NET_FLAT = "Family inferred: 2500/8000 (the flat KWS-style names; the 400/6500 entries are under network.ipv6)."
INFERRED_NET_NESTED = "Family inferred: 400/6500 (the nested ipv6 section; the 2500/8000 uses the flat ipv6* names)."
INFERRED_SECURITY = (
    "Family inferred: 400/6500 (the web GUI security settings of the IP-DECT server; Appendix B, a 400/6500 file, uses"
    " security.username and security.password).")
INFERRED_SNMP = "Family inferred: 400/6500 (net-snmp style names of the Linux based IP-DECT server)."
REDUNDANCY_FAMILIES = (
    "The text shows one family mark, yet failovertime's default names both the 8000 and the 6500: read as both"
    " families. Marked '*' (hidden or licensed).")
SYSTEM_EVENT = "2500/8000 section (the guide's '(same as ...)' notes name it the 2500/8000 counterpart of dect)."
SYSTEM_EVENT_SPELLING = "The guide's '(same as ...)' note writes 'system_events'; the section is system_event."
ARRAY_PORT_RS232 = (
    "Array path: the guide writes 'shelf -> card0 -> port1' (and 'shelf1' once); modelled as shelf[]/card[]/port[] so"
    " any numbered shelf, card and port matches.")
ARRAY_PORT_TAP = (
    "Array path: the guide writes 'shelf1 -> card0 -> port1'; modelled as shelf[]/card[]/port[] so any numbered"
    " shelf, card and port matches.")
NOT_USED = "The guide says 'Not used'; kept as free text so an exported file still validates."


def _rs232(leaf, ptype, default, description, note=None):
    return parameter("RS232.shelf[].card[].port[]." + leaf, DECT, ptype, default, description,
                     note=_notes(note, "Family inferred: 2500/8000 (serial messaging interface).", ARRAY_PORT_RS232))


def _tap(leaf, ptype, default, description, note=None):
    return parameter("TAP.shelf[].card[].port[]." + leaf, DECT, ptype, default, description,
                     note=_notes(note, "Family inferred: 2500/8000 (TAP paging over the serial interface).", ARRAY_PORT_TAP))


def _longpress(digit, meaning):
    return parameter("msf.local_longpress_%d" % digit, DECT, Bool(), "true",
                     "Long press of key %d: true = handled by the server (%s); false = sent to the messaging interface"
                     " (XML-RPC or EMD)." % (digit, meaning),
                     note=INFERRED_MSF)


def _secret_text(path, families, description, note=None):
    """A secret the guide gives no default for (a password, an SNMP community): free text, masked everywhere."""
    return parameter(path, families, Text(), None, description, secret=True, note=note)


# sip.proxy.<setting> is the first SIP proxy; <setting>2..4 the second to fourth.
_PROXY_ORDINALS = (("", None), ("2", "second"), ("3", "third"), ("4", "fourth"))


def _sip_proxies(setting, ptype, defaults, label, first_description):
    """``sip.proxy.<setting>`` and ``<setting>2..4``: one setting of the four SIP proxies."""
    return tuple(
        parameter("sip.proxy.%s%s" % (setting, suffix), BOTH, ptype, default,
                  "%s of the %s SIP proxy." % (label, ordinal) if ordinal else first_description)
        for (suffix, ordinal), default in zip(_PROXY_ORDINALS, defaults))


PARAMETERS = (
    # ---------------------------------------------------------------- app_db
    parameter("app_db.ab_always_onhook_on_busytone", DECT, Bool(), "false",
              "Always detect busy tone on analog lines and release incoming calls there as if they were auto answered.",
              note=INFERRED_ANALOG),
    # ---------------------------------------------------------------- application
    parameter("application.enable_rpc", BOTH, Bool(), "false", "Enable the XML-RPC application interface."),
    parameter("application.enable_msf", IPDECT, Bool(), "false", "Enable the MSF application interface.",
              note="Family inferred: 400/6500 (its application settings; the 2500/8000 messaging interface is EMD/RS232)."),
    parameter("application.internal_messaging", IPDECT, Bool(), "true",
              "Handle messages between handsets internally (true) or by an external application (false).",
              alias="system_event.msf_between_pp", note=SYSTEM_EVENT_SPELLING),
    parameter("application.password", BOTH, Text(),
              'IP-DECT Server 400/6500: "f621c2268a8df24955ef4052bfbb80cf" (password "ip6500" encrypted); '
              'DECT Server 2500/8000: "8e49ea4c7249f802a983adc7d50375f1" (password "kws8000" encrypted)',
              "Password applications log in with.", secret=True),
    parameter("application.username", BOTH, Text(), "GW-DECT/admin", "User name applications log in with.",
              note="Default read as GW-DECT on the 2500/8000 and admin on the 400/6500."),
    # ---------------------------------------------------------------- bif08
    parameter("bif08.shelf[].card[].port[].enable", DECT, Bool(), "true",
              "Enable or disable the base station at this shelf/card/port (e.g. bif08.shelf1.card2.port3.enable).",
              note="Family inferred: 2500/8000 (BIF08 interface cards for digital base stations)."),
    # ---------------------------------------------------------------- dect
    parameter("dect.auth_call", IPDECT, Bool(), "true", "Use DECT authentication when calls are set up.",
              alias="system_event.auth_call", note=SYSTEM_EVENT_SPELLING),
    parameter("dect.accesscode", IPDECT, ACCESS_CODE, None,
              "System wide DECT access code (0 to 8 decimal digits) handsets need to subscribe; a user's own code overrides it.",
              secret=True, alias="system_event.system_access_code", note=SYSTEM_EVENT_SPELLING),
    parameter("dect.encrypt_voice_data", IPDECT, Enum("Disabled", "Enabled", "Enforced"), "Disabled",
              "Whether voice calls use DECT encryption; Enforced ends calls with handsets that cannot encrypt.",
              alias="system_event.encrypt_voice_data",
              note=_notes("The guide writes 'Enforced (non GAP)': '(non GAP)' read as an explanation, not part of the value.",
                          SYSTEM_EVENT_SPELLING)),
    parameter("dect.global_tx_power", BOTH,
              Enum("Default", "0", "2", "4", "6", "8", "10", "12", "14", "16", "18", "20", "22", "24"), "0",
              "Output power in dBm of every connected base station that supports power control."),
    parameter("dect.handset_login", IPDECT, Bool(), "false", "Enable handset login.",
              note="Family inferred: 400/6500 (a dect section entry next to the 400/6500 handset sharing switch).",
              hidden=True),
    parameter("dect.handset_sharing", IPDECT, Bool(), "false", "Enable handset sharing.",
              note="Family inferred: 400/6500 (the 2500/8000 configures handset sharing in the Handset_sharing section)."),
    parameter("dect.send_date_time", IPDECT, Bool(), "true", "Send the date and time to the handsets.",
              alias="system_event.send_date_time", note=SYSTEM_EVENT_SPELLING),
    parameter("dect.subscription_allowed", IPDECT, Bool(), "true", "Allow handsets to subscribe.",
              alias="system_event.subscription_allowed", note=SYSTEM_EVENT_SPELLING),
    parameter("dect.frequency", BOTH, Enum("Europe", "China", "South America", "Taiwan", "USA"), "Europe",
              "The DECT frequency band.", hidden=True),
    parameter("dect.allow_long_messages", DECT, Bool(), "true", "Allow long MSF messages and long call back numbers.",
              note="Family inferred: 2500/8000 (MSF messaging and call back numbers are 2500/8000 features)."),
    parameter("dect.radio.ExternalAntenna", DECT, Int(0, 2), "0",
              "Antennas used when an external antenna is connected: 0 both, 1 internal, 2 external (ignored without one).",
              note="Family inferred: 2500/8000 (the single cell 2500 takes external antennas); a guess, the guide gives no"
                   " other hint.",
              hidden=True),
    parameter("dect.license", BOTH, List(), None, "The installed licenses, comma separated."),
    # ---------------------------------------------------------------- feature_codes
    parameter("feature_codes.enable", BOTH, Bool(), "false", "Handle feature codes locally."),
    parameter("feature_codes.call_forward.unconditional.disable", BOTH, Text(), "*21*$#",
              "Code users dial to switch unconditional call forward (CFU) off."),
    parameter("feature_codes.call_forward.unconditional.enable", BOTH, Text(), "#21#",
              "Code users dial to switch unconditional call forward (CFU) on."),
    parameter("feature_codes.call_forward.voicemail.enable", BOTH, Text(), "*21*",
              "Code users dial to forward calls to voicemail.", hidden=True),
    parameter("feature_codes.pickup.local", BOTH, Text(), "**3", "Code to pick up a local call.", hidden=True),
    parameter("feature_codes.pickup.group_other", BOTH, Text(), "**8", "Code to pick up a call in an associated group.",
              hidden=True),
    parameter("feature_codes.conference.meetme", BOTH, Text(), "**5$", "Code to start a Meet-Me conference.", hidden=True),
    # ---------------------------------------------------------------- Handset_sharing
    parameter("Handset_sharing.deAssign1", DECT, Text(), "Logged out by another user",
              "Handset text when another user logs the user out.",
              note=_notes(INFERRED_HANDSET_SHARING, "The '*' stands in the section cell: read as this row's."), hidden=True),
    parameter("Handset_sharing.deAssign2", DECT, Text(), "Logged out by coexist timer",
              "Handset text when the coexist timer logs the user out.", note=INFERRED_HANDSET_SHARING, hidden=True),
    parameter("Handset_sharing.deAssign3", DECT, Text(), "Logged out by charger",
              "Handset text when the handset is put in a charger.", note=INFERRED_HANDSET_SHARING, hidden=True),
    parameter("Handset_sharing.hs_react_multicharger", DECT,
              HexInt(0x00, 0x0E, allowed=_MULTICHARGER,
                     allowed_text="0x00 all chargers, 0x01 multi charger only or 0x02 no action, plus 0x04 power on/off"
                                  " and/or 0x08 long press 8"),
              "0x01",
              "What starts login/logout of shared handsets: any charger, multi chargers only or no charger; power on/off and a"
              " long press on key 8 can be added.",
              note=_notes("The guide lists 0x00, 0x01, 0x02, 0x04, 0x08 and says power on/off and long press 8 are 'ticked':"
                          " read as flags added to one of the first three, so combinations such as 0x09 are accepted.",
                          INFERRED_HANDSET_SHARING),
              hidden=True),
    parameter("Handset_sharing.linebusy", DECT, Text(), "Extension busy",
              "Handset text when the user logs in to a busy extension.", note=INFERRED_HANDSET_SHARING, hidden=True),
    parameter("Handset_sharing.max_simul_users", DECT, Int(1, 3), "1",
              "How many users may share one line at the same time; all their handsets ring.",
              note=INFERRED_HANDSET_SHARING, hidden=True),
    parameter("Handset_sharing.text1", DECT, Text(), "Enter Extension", "Login prompt for the extension number.",
              note=INFERRED_HANDSET_SHARING, hidden=True),
    parameter("Handset_sharing.text2", DECT, Text(), "Failed: re-enter DN", "Login prompt to re-enter the extension number.",
              note=INFERRED_HANDSET_SHARING, hidden=True),
    parameter("Handset_sharing.text3", DECT, Text(), "Enter Password", "Login prompt for the password.",
              note=INFERRED_HANDSET_SHARING, hidden=True),
    parameter("Handset_sharing.text4", DECT, Text(), "Failed: re-enter password", "Login prompt to re-enter the password.",
              note=INFERRED_HANDSET_SHARING, hidden=True),
    parameter("Handset_sharing.timeout_assigned", DECT, Int(0, 240, unit="hours"), "24",
              "How long a handset may stay assigned to a line.", note=INFERRED_HANDSET_SHARING, hidden=True),
    parameter("Handset_sharing.timeout_simul_users", DECT, Int(0, 240, unit="minutes"), "5",
              "How long users may coexist on one line; the oldest assignment is removed on timeout.",
              note=INFERRED_HANDSET_SHARING, hidden=True),
    # ---------------------------------------------------------------- installation
    parameter("installation.auto_restart", DECT,
              Fields(("enabled", Int(0, 1)), ("day", Int(1, 31)), ("hour", Int(0, 23)), ("minute", Int(0, 59)),
                     ("weekday", Int(0, 7)), ("day/week/month", Int(0, 3))),
              "0,20,2,15,2,1",
              "Automatic restart of the server: enabled, day, hour, minute, weekday and period, comma separated.",
              note=_notes("The guide names the six numbers (enabled, Day, Hour, Minute, Weekday, DayWeekOrMonth) without"
                          " ranges: read as 0/1, day of month 1-31, hour 0-23, minute 0-59, weekday 0-7 (either numbering) and"
                          " a period selector 0-3.", INFERRED_INSTALLATION)),
    parameter("installation.company.Address", DECT, Text(), "Address", "The company's address.",
              note=_notes("Element spelled 'Address' with a capital A, as the guide writes it.", INFERRED_INSTALLATION)),
    parameter("installation.company.city", DECT, Text(), "City", "The company's city.", note=INFERRED_INSTALLATION),
    parameter("installation.company.contact_person", DECT, Text(), "Contact person", "The company's contact person.",
              note=INFERRED_INSTALLATION),
    parameter("installation.company.country", DECT, Text(), "Country", "The company's country.", note=INFERRED_INSTALLATION),
    parameter("installation.company.direct_email", DECT, Text(), "Direct email address", "The company's direct email address.",
              note=INFERRED_INSTALLATION),
    parameter("installation.company.direct_phone", DECT, Text(), "Direct phone number", "The company's direct phone number.",
              note=INFERRED_INSTALLATION),
    parameter("installation.company.fax", DECT, Text(), "Fax number", "The company's fax number.", note=INFERRED_INSTALLATION),
    parameter("installation.company.name", DECT, Text(), "Company name",
              "The company name; it prefixes the file names of generated service reports.", note=INFERRED_INSTALLATION),
    parameter("installation.company.phone", DECT, Text(), "Phone number", "The company's phone number.",
              note=INFERRED_INSTALLATION),
    parameter("installation.company.state", DECT, Text(), "State", "The company's state.", note=INFERRED_INSTALLATION),
    parameter("installation.company.zip", DECT, Text(), "Zip", "The company's zip code.", note=INFERRED_INSTALLATION),
    parameter("installation.email.mail_timing", DECT, Int(0, None), "0", "How often a statistics email is sent.",
              note=_notes("The guide gives no unit or range: any whole number >= 0.", INFERRED_INSTALLATION)),
    parameter("installation.email.reciepient_address", DECT, Text(), "KWS8000Statistics@spectralink.com",
              "Who receives the email.",
              note=_notes("Element spelled 'reciepient_address', as the guide writes it.", INFERRED_INSTALLATION)),
    parameter("installation.email.reply_address", DECT, Text(), "kws8000@emea430.dk", "The reply-to address of the email.",
              note=INFERRED_INSTALLATION),
    parameter("installation.email.smtp_address", DECT, Host(), None, "Address of the mail server.", note=INFERRED_INSTALLATION),
    _secret_text("installation.email.smtp_password", DECT, "Password of the mail server account; 'none' resets it.",
                 note=INFERRED_INSTALLATION),
    parameter("installation.email.smtp_port", DECT, PORT, "25", "Port of the mail server.", note=INFERRED_INSTALLATION),
    parameter("installation.email.smtp_user", DECT, Text(), None, "User name of the mail server account.",
              note=INFERRED_INSTALLATION),
    # ---------------------------------------------------------------- language
    parameter("language", BOTH, Enum("da", "de", "en", "es", "fr", "it", "nl", "nb", "pt", "ru", "sv"), "en",
              "Language of system messages shown on the handsets.",
              note="A top-level element with a value, not a section."),
    # ---------------------------------------------------------------- log
    parameter("log.syslog.facility", IPDECT, Int(0, 23), "16 (local 0)", "Remote syslog facility (RFC 5424).",
              note=INFERRED_LOG),
    parameter("log.syslog.host", IPDECT, Host(), None, "Remote syslog server.", note=INFERRED_LOG),
    parameter("log.syslog.level", IPDECT, Enum("emergency", "critical", "error", "warning", "notice", "info", "debug"), "info",
              "Lowest level of the messages sent to syslog.", note=INFERRED_LOG),
    parameter("log.syslog.port", IPDECT, PORT, "514", "Port of the remote syslog server.", note=INFERRED_LOG),
    parameter("log.syslog.scope_of_settings", IPDECT, Enum("all", "server only", "server and mr"), "all",
              "Which devices log remotely: all (server, media resources and base stations), server and mr, or server only.",
              note=INFERRED_LOG),
    # ---------------------------------------------------------------- phonebook
    parameter("phonebook.source", BOTH, Enum("disabled", "ldap", "csv"), "disabled", "Where the central phonebook comes from.",
              note="The guide's description ('The URI of the LDAP server') is a copy of ldap_uri's; read from the options."),
    parameter("phonebook.csv_number_fields", BOTH, List(Int(0, None)), "2",
              "Comma separated indexes of the CSV columns that hold dialable numbers."),
    parameter("phonebook.encoding", BOTH, Enum("utf-8", "windows-1252", "iso8859-1"), "utf-8",
              "Character encoding of the imported CSV file."),
    parameter("phonebook.ldap_uri", BOTH, Text(), None, "URI of the LDAP server."),
    parameter("phonebook.ldap_bind_user", BOTH, Text(), None, "User name to log in to the LDAP server."),
    _secret_text("phonebook.ldap_bind_password", BOTH, "Password to log in to the LDAP server."),
    parameter("phonebook.ldap_base", BOTH, Text(), None, "Base of the LDAP tree where the users are."),
    parameter("phonebook.ldap_filter", BOTH, Text(), "(objectClass=person)", "LDAP query filter (RFC 4515)."),
    parameter("phonebook.ldap_attributes", BOTH, List(), "cn,telephoneNumber,mobile", "LDAP attributes to retrieve and use."),
    parameter("phonebook.ldap_number_attributes", BOTH, List(), "telephoneNumber,mobile",
              "LDAP attributes that hold dialable numbers."),
    parameter("phonebook.ldap_names", BOTH, List(), None, "Display names for the retrieved attributes, comma separated."),
    parameter("phonebook.ldap_prefixes", BOTH, List(), "+=00",
              "Number prefixes to strip, comma separated; 'prefix=replacement' replaces instead (+=00 turns +45... into"
              " 0045...)."),
    parameter("phonebook.ldap_refresh_interval", BOTH, SECONDS, "3600", "Seconds between LDAP queries for updates."),
    # ---------------------------------------------------------------- media_resource
    parameter("media_resource.enabled", IPDECT, Bool(), "true", "Enable the internal media resource.",
              note=_notes(INFERRED_MEDIA_RESOURCE, ONLY_6500_NOTE), models=ONLY_6500),
    parameter("media_resource.server", BOTH, Host(), None, "Address of the DECT/IP-DECT server.", note=MR_NOT_400_NOTE,
              models=NOT_400),
    # ---------------------------------------------------------------- mr
    parameter("mr.auto.enable", IPDECT, Bool(), "false", "Update media resources automatically.",
              note=_notes(INFERRED_MEDIA_RESOURCE, "The 6500 provisioning example uses it.", ONLY_6500_NOTE), models=ONLY_6500),
    parameter("mr.auto.start_time", IPDECT, TimeOrImmediately(), "immediately",
              "When to update media resources: immediately or at a time within 24 h.",
              note=_notes(INFERRED_MEDIA_RESOURCE, ONLY_6500_NOTE), models=ONLY_6500),
    parameter("mr.auto.force", IPDECT, Bool(), "false",
              "Update media resources at the start time even when busy (true) or wait until they are idle (false).",
              note=_notes(INFERRED_MEDIA_RESOURCE, ONLY_6500_NOTE), models=ONLY_6500),
    # ---------------------------------------------------------------- msf
    _longpress(0, "phonebook"),
    _longpress(1, "phonebook"),
    _longpress(2, "phonebook"),
    _longpress(3, "phonebook"),
    _longpress(4, "phonebook"),
    _longpress(5, "phonebook"),
    parameter("msf.local_longpress_6", DECT, Bool(), "true",
              "Long press of key 6: not used locally; the key is sent to the messaging interface either way.",
              note=INFERRED_MSF),
    _longpress(7, "master handset"),
    _longpress(8, "handset sharing"),
    _longpress(9, "SFB sign in/out"),
    # ---------------------------------------------------------------- network
    parameter("network.bootproto", BOTH, Enum("dhcp", "static"), "8000: static, 6500: dhcp",
              "Whether the IP configuration comes from DHCP or is static."),
    parameter("network.dns1", BOTH, Host(), None, "Primary DNS server.",
              note="An IPv4 or IPv6 address expected; the guide gives no format, so host names are not rejected."),
    parameter("network.dns2", BOTH, Host(), None, "Secondary DNS server.",
              note="An IPv4 or IPv6 address expected; the guide gives no format, so host names are not rejected."),
    parameter("network.domain", BOTH, Host(), None, "Domain the system belongs to."),
    parameter("network.gateway", BOTH, IPv4(), None, "IPv4 address of the default gateway."),
    parameter("network.hostname", BOTH, Host(), None, "Host name put in SIP headers and published via DHCP (and so DNS)."),
    parameter("network.http-port", DECT, PORT, "80", "HTTP port of the web server.", note=INFERRED_NET_FLAT),
    parameter("network.ipaddr", BOTH, IPv4(), None, "IPv4 address of the server."),
    parameter("network.ipv4enable", DECT, Bool(), "true", "Enable IPv4.", note=INFERRED_NET_FLAT),
    parameter("network.ipv6addr", DECT, IPv6(), None, "Static IPv6 address of the server.", note=INFERRED_NET_FLAT),
    parameter("network.ipv6.ipaddr", IPDECT, IPv6(prefix=True), None,
              "Static IPv6 address of the server, optionally with /prefix length.", note=INFERRED_NET_NESTED),
    parameter("network.ipv6ctype", DECT, Enum("static", "slaac", "dhcp", "llo"), "slaac",
              "IPv6 connection type: static (manual), slaac (stateless autoconfiguration), dhcp (DHCPv6), llo (link-local"
              " only).",
              note=INFERRED_NET_FLAT),
    parameter("network.ipv6.method", IPDECT, Enum("Disabled", "Static", "Statefull", "Stateless"), "Disabled",
              "IPv6 connection method: disabled, static (manual), stateful (DHCPv6) or stateless (SLAAC).",
              note=_notes("Spellings as the guide writes them, 'Statefull' included.", INFERRED_NET_NESTED)),
    parameter("network.ipv6enable", DECT, Bool(), "false", "Enable IPv6.", note=INFERRED_NET_FLAT),
    parameter("network.ipv6gateway", DECT, IPv6(), None, "IPv6 address of the default gateway.", note=INFERRED_NET_FLAT),
    parameter("network.ipv6.gateway", IPDECT, IPv6(), None, "IPv6 address of the default gateway.", note=INFERRED_NET_NESTED),
    parameter("network.ipv6mtu", DECT, Int(1280, 65536, also=(0,), unit="bytes"), "0 (use default value)",
              "IPv6 maximum transmission unit; 0 uses the default.",
              note=_notes("The guide writes '1280 bytes - 64KB': 64KB read as 65536 bytes; 0 is the documented default.",
                          INFERRED_NET_FLAT)),
    parameter("network.ipv6prefix", DECT, Int(0, 128), "64", "IPv6 subnet prefix length.", note=INFERRED_NET_FLAT),
    parameter("network.mac", DECT, Text(), None, "The system's MAC address.",
              note=_notes("The guide gives no format; kept as text.", INFERRED_NET_FLAT)),
    parameter("network.mtu", BOTH, Int(576, 1500, also=(0,), unit="bytes"), "0 (use default value)",
              "Maximum transmission unit; 0 uses the default.",
              note="The guide writes '576 bytes - 1500 bytes' with default 0 (use default value): 0 or 576..1500."),
    parameter("network.netmask", BOTH, Netmask(), None, "The IPv4 network mask."),
    parameter("network.ntp", BOTH, Host(), None, "Address of the NTP server.",
              note="Also the parent of network.ntp.enable (2500/8000). Set the address alone as 'ntp: <address>'; with enable,"
                   " as 'ntp: {value: <address>, enable: true}', written as the guide's tree reads:"
                   " <ntp>192.0.2.1<enable>true</enable></ntp> (the address is the element's text)."),
    parameter("network.ntp.enable", DECT, Bool(), "false", "Whether to contact the NTP server in network.ntp.",
              note="Family inferred: 2500/8000 (one mark; the 400/6500 uses the server whenever network.ntp is set)."),
    parameter("network.telnet-port", DECT, PORT, "10000", "Port for telnet connections.", note=INFERRED_NET_FLAT),
    parameter("network.timezone", BOTH, Text(), "CET", "Time zone as a POSIX time zone string.",
              note="The guide's options name regions (Europe, USA & Canada, Non-geographic, other) and its examples use CET and"
                   " GMT-1: kept as free text."),
    parameter("network.vlan", BOTH, Int(0, 4094), "0", "VLAN the device belongs to; 0 means untagged.",
              note="The guide gives no range: read as 0 (none) or an IEEE 802.1Q VLAN id 1..4094."),
    # ---------------------------------------------------------------- provisioning
    parameter("provisioning.check.check_sync", BOTH, Enum("disabled", "update", "reboot"), "disabled",
              "How the server reacts to SIP NOTIFY check-sync: disabled - ignore; reboot - reboot and check;"
              " update - check for updates and reboot if necessary."),
    parameter("provisioning.check.interval", BOTH, Int(0, None, unit="minutes"), "0",
              "Minutes between polls of the provisioning server; 0 disables periodic polling."),
    parameter("provisioning.check.time", BOTH, Time(), None,
              "A time of day (hh:mm) to check the provisioning server each day."),
    parameter("provisioning.config.check", BOTH, Bool(), "true",
              "Whether the server downloads and imports its configuration from the provisioning server."),
    parameter("provisioning.firmware.kws", BOTH, FileName(), None,
              "File name of the server firmware image; the server fetches <name>.ver then <name>."),
    parameter("provisioning.firmware.default_kws", IPDECT, Bool(), "false",
              "Use the server firmware as default for all base stations and media resources.",
              note=_notes("Family inferred: 400/6500 (only the 6500 examples and web page show it).", NOT_400_NOTE),
              models=ONLY_6500),
    parameter("provisioning.firmware.rfp", DECT, FileName(), None,
              "File name of the firmware image for IP base stations.",
              note="Family inferred: 2500/8000 (only the 8000 examples and web page show it)."),
    parameter("provisioning.firmware.rfp6", DECT, FileName(), None,
              "File name of the firmware image for RFP6 digital base stations.",
              note="Family inferred: 2500/8000 (only the 8000 examples and web page show it)."),
    parameter("provisioning.firmware.pp14208700", BOTH, FileName(), None,
              "File name of the firmware image for Butterfly handsets."),
    parameter("provisioning.firmware.pp14225100", BOTH, FileName(), None,
              "File name of the firmware image for 75x2, 76x2 and 77x2 series handsets."),
    parameter("provisioning.firmware.pp14225110", BOTH, FileName(), None,
              "File name of the firmware image for 72x2 series handsets."),
    parameter("provisioning.firmware.pp14225190", BOTH, FileName(), None,
              "File name of the firmware image for OEM handsets."),
    parameter("provisioning.server.method", BOTH, Enum("dhcp", "static", "disabled"), "dhcp",
              "How the server obtains the provisioning server address."),
    parameter("provisioning.server.url", BOTH, ProvisioningUrl(), None,
              "The static provisioning server URL. A user:password@ part is treated as a secret.",
              note="Not flagged secret as a whole: only the password inside the URL is masked."),
    parameter("provisioning.users.check", BOTH, Bool(), "false",
              "Whether the server downloads and imports users from the provisioning server."),
    # ---------------------------------------------------------------- RS232
    _rs232("conf",
           Fields(("baud rate", Enum("100", "150", "200", "300", "600", "1200", "1800", "2400", "4800", "9600",
                                     "19200", "38400", "57600", "115200", "230400")),
                  ("data bits", Enum("7", "8")),
                  ("stop bits", Enum("1", "2")),
                  ("parity", Enum("N", "O", "E", "M", "S"))),
           "115200,8,1,N", "Baud rate, data bits, stop bits and parity of the serial port.",
           note="Parity written as its initial (None, Odd, Even, Mark, Space), as the default's 'N' shows."),
    _rs232("flow", Enum("None", "CTS & RTS", "XON & XOFF", "CTS/RTS"), "CTS/RTS", "Flow control of the serial port.",
           note="The options say 'CTS & RTS' and the default 'CTS/RTS': both spellings accepted."),
    _rs232("modeminit", Enum("ON", "OFF"), "ON", "Initialise a connected modem."),
    _rs232("msgprotocol", Enum("Standard EMD", "Old KWS1500 MSF", "TAP 1.8"), "Standard EMD",
           "Messaging protocol on the serial port."),
    _rs232("useoldmsfreleasecodes", Bool(), "true",
           "With the Old KWS1500 MSF protocol, convert newer release codes to the KWS1500 ones."),
    # ---------------------------------------------------------------- rfp
    parameter("rfp.default_sync_type", BOTH, Enum("Free running", "radio", "LAN"), "radio",
              "Synchronisation type of the DECT radio.",
              note="The PDF text runs the options and default columns together ('Free running, radio, LAN radio'): read as"
                   " the options Free running, radio and LAN with the default radio."),
    parameter("rfp.media.port", DECT, PORT, "57000", "First port for base station media.",
              note="Family inferred: 2500/8000 (its IP base stations take media from the server itself; on the 6500 media"
                   " resources carry it); a guess, the guide gives no other hint."),
    parameter("rfp.multicast.address", BOTH, IPv4(), None, "Multicast address for base station signalling."),
    parameter("rfp.auto.enable", BOTH, Bool(), "false", "Update IP base stations automatically.", note=NOT_400_NOTE,
              models=NOT_400),
    parameter("rfp.auto.start_time", BOTH, TimeOrImmediately(), "immediately",
              "When to update IP base stations: immediately or at a time within 24 h.", note=NOT_400_NOTE, models=NOT_400),
    parameter("rfp.auto.force", BOTH, Bool(), "false",
              "Update base stations at the start time even when busy (true) or wait until they are idle (false).",
              note="The guide says this one applies to RFP6 and force_digital to IP base stations: read as swapped, like the"
                   " enable/start_time pairs (this entry has both family marks, and the 400/6500 has no RFP6). " + NOT_400_NOTE,
              models=NOT_400),
    parameter("rfp.auto.enable_digital", DECT, Bool(), "false", "Update RFP6 digital base stations automatically.",
              note="Family inferred: 2500/8000 (digital base stations; the 8000 provisioning example uses it)."),
    parameter("rfp.auto.start_time_digital", DECT, TimeOrImmediately(), "immediately",
              "When to update RFP6 digital base stations: immediately or at a time within 24 h.",
              note="Family inferred: 2500/8000 (digital base stations; the 8000 provisioning example uses it)."),
    parameter("rfp.auto.force_digital", DECT, Bool(), "false",
              "Update RFP6 digital base stations at the start time even when busy, or wait until they are idle.",
              note="Family inferred: 2500/8000 (digital base stations; the 8000 provisioning example uses it)."),
    parameter("rfp.multicast.ttl", BOTH, Int(1, 255), "1", "TTL of base station multicast."),
    parameter("rfp.ptp.cos", BOTH, Int(0, 255), "184", "Class of service of PTP.",
              note="The guide gives no range: read as 0..255 like the TOS values.", hidden=True),
    parameter("rfp.ptp.tos", BOTH, Int(0, 255, also=(-1,)), "-1", "Type of service of PTP.",
              note="The guide gives no range; its default -1 is read as 'not set', besides 0..255.", hidden=True),
    parameter("rfp.ptp.transport", BOTH, Enum("ipv4", "ipv6"), "ipv4", "Whether PTP uses IPv4 or IPv6.", hidden=True),
    parameter("rfp.server", IPDECT, Host(), None, "Address of the DECT/IP-DECT server.",
              note="Family inferred: 400/6500; a guess, the guide gives no hint (media_resource.server has both marks)."),
    # ---------------------------------------------------------------- security
    parameter("security.allow_new_media_resource", BOTH, Bool(), "true",
              "Let new (never seen) media resources connect; known ones always may.", note=MR_NOT_400_NOTE, models=NOT_400),
    parameter("security.allow_new_rfp", BOTH, Bool(), "true",
              "Let new (never seen) base stations connect; known ones always may."),
    parameter("security.allow_new_rfp_as_active", IPDECT, Bool(), "false",
              "New base stations become active when added instead of waiting for manual activation.",
              note=INFERRED_SECURITY),
    parameter("security.allow_new_media_resource_as_active", IPDECT, Bool(), "false",
              "New media resources become active when added instead of waiting for manual activation.",
              note=_notes(INFERRED_MEDIA_RESOURCE, INFERRED_SECURITY, ONLY_6500_NOTE), models=ONLY_6500),
    parameter("security.rfp_encryption", IPDECT, Bool(), "false",
              "Require an encrypted connection to the base stations (older generations cannot).", note=INFERRED_SECURITY),
    parameter("security.media_resource_encryption", IPDECT, Bool(), "false",
              "Require an encrypted connection to the media resources (older generations cannot).",
              note=_notes(INFERRED_MEDIA_RESOURCE, INFERRED_SECURITY, ONLY_6500_NOTE), models=ONLY_6500),
    parameter("security.passwords_unexportable", IPDECT, Bool(), "false",
              "Leave passwords and other sensitive data out of exported files (no full backups then; only a factory reset"
              " undoes it).", note=INFERRED_SECURITY),
    parameter("security.allow_http", IPDECT, Bool(), "false", "Allow unencrypted HTTP requests to the web GUI.",
              note=INFERRED_SECURITY),
    parameter("security.password", IPDECT, Text(), "admin", "Password of the web GUI user.", secret=True,
              note=INFERRED_SECURITY),
    parameter("security.password_lifetime", IPDECT, Enum("0", "30", "90"), "0",
              "Days the web GUI password stays valid; 0 means forever (only a factory reset undoes it).",
              note=INFERRED_SECURITY),
    parameter("security.strict_password", IPDECT, Bool(), "false",
              "Enforce strict password quality rules (only a factory reset disables it).", note=INFERRED_SECURITY),
    parameter("security.username", IPDECT, Text(), "admin", "User name of the web GUI user.", note=INFERRED_SECURITY),
    parameter("security.srtp_rfp", BOTH, Bool(), "false",
              "Require secure RTP for base station audio; halves the voice channels of each base station (12 to 6).",
              hidden=True),
    # ---------------------------------------------------------------- redundancy
    parameter("redundancy.mode", BOTH, Enum("master", "slave", "single"), "single",
              "The node's role: a single node, or the master or slave of a redundant pair.",
              note=_notes(REDUNDANCY_FAMILIES, "The '*' stands in the section cell: read as this row's."), hidden=True),
    parameter("redundancy.peer", BOTH, Host(), None, "Host name or IP address of the redundancy peer.",
              note=REDUNDANCY_FAMILIES, hidden=True),
    parameter("redundancy.failovertime", BOTH, Int(0, None, unit="seconds"), "15 (8000), 10 (6500)",
              "Seconds from detecting a failure to starting a failover.", note=REDUNDANCY_FAMILIES, hidden=True),
    parameter("redundancy.database_uuid", BOTH, Text(), None,
              "ID of the replicated database; must match for replication. Reset it when turning a master into a slave or"
              " moving a slave to another system.", note=REDUNDANCY_FAMILIES, hidden=True),
    # ---------------------------------------------------------------- suota
    parameter("suota.load", BOTH, Enum("medium", "low", "high"), "medium",
              "System load of handset software updates (simultaneous uploads): high 130%, medium 100%, low 70%.",
              note="The '*' stands in the section cell and the other rows carry none: read as this row's. The guide's web"
                   " page text says the default is Low; Appendix A says medium.", hidden=True),
    parameter("suota.start_time", BOTH, TimeOrImmediately(), "immediately",
              "When to update handsets: immediately or at a time within 24 h."),
    parameter("suota.pcs_ignore", BOTH, Bool(), "false",
              "Allow uploading the same or older software versions, not only newer."),
    parameter("suota.incharger", BOTH, Bool(), "false", "Update only handsets that are in a charger."),
    parameter("suota.auto", BOTH, Bool(), "false", "Update handsets automatically."),
    # ---------------------------------------------------------------- sip
    _secret_text("sip.auth.password", BOTH, "Default handset authentication password (when a handset has none of its own)."),
    parameter("sip.auth.realm", BOTH, Text(), None, "Realm for SIP authentication, as the SIP server presents it."),
    parameter("sip.auth.username", BOTH, Text(), None,
              "Default handset authentication user name (when a handset has none of its own)."),
    parameter("sip.callwaiting", BOTH, Bool(), "true", "Enable call waiting."),
    parameter("sip.client_transaction_timeout", BOTH, Int(1000, 32000, unit="milliseconds"), "16000",
              "Timeout of client transactions (RFC 3261 timers B and F)."),
    parameter("sip.dect_detach_action", BOTH, Enum("ignore", "deregister"), "ignore",
              "What to do when a handset is switched off."),
    parameter("sip.defaultdomain", BOTH, Host(), "example.com", "Default domain of the handsets (when a handset has none)."),
    parameter("sip.dnsmethod", BOTH, Enum("arecord", "dnssrv"), "arecord",
              "DNS method to resolve host names for SIP requests."),
    parameter("sip.dtmf.duration", BOTH, Int(0, None, unit="milliseconds"), "270", "Length of DTMF tones."),
    parameter("sip.dtmf.info", BOTH, Bool(), "false", "Send key presses as SIP INFO."),
    parameter("sip.dtmf.rtp", BOTH, Bool(), "true", "Send key presses as RTP DTMF events."),
    parameter("sip.dtmf.rtp_payload_type", BOTH, Int(96, 127), "96", "RTP payload type for RFC 2833 events in SDP offers.",
              note="'refer to RFC2833': read as a dynamic payload type, 96..127."),
    parameter("sip.gruu", BOTH, Bool(), "true", "Obtain and use a Globally Routable UA URI (GRUU)."),
    parameter("sip.localport", BOTH, PORT, "5060", "The SIP port."),
    parameter("sip.maxforwards", BOTH, Int(0, 255), "70", "Maximum number of times SIP messages may be forwarded.",
              note="The guide gives no range: read as RFC 3261's 0..255."),
    parameter("sip.media.codecs", BOTH, List(Enum("0", "1", "2", "64", "1024")), "64,1,2,0,0,0",
              "Codec priority, comma separated: 0 none, 1 G711U, 2 G711A, 64 G726_32 or 1024 G729A (6500 only).",
              note="The guide gives no slot count: any number of codecs is accepted (its default and Appendix B have six)."
                   " G729A (1024) is marked '(6500)': an error on the 2500/8000, a warning on the 400 (an error with strict)."),
    parameter("sip.media.default_relay", BOTH, Bool(), "false", "Use the default address of the TURN server.", hidden=True),
    parameter("sip.media.ice.enable", BOTH, Bool(), "false", "Enable ICE."),
    parameter("sip.media.port", BOTH, PORT, "58000", "First port for media."),
    parameter("sip.media.ptime", BOTH, Int(0, None, unit="milliseconds"), "20", "Packet duration of media."),
    parameter("sip.media.rfc3489", BOTH, Bool(), "true", "Enable STUN.", hidden=True),
    parameter("sip.media.sdp_answer_single", BOTH, Bool(), "false", "Offer only a single codec in SDP answers."),
    parameter("sip.media.sdp_answer_with_preferred", BOTH, Bool(), "false",
              "Ignore the codec priorities of the remote SDP offer (violates the RFC 3264 offer/answer model)."),
    parameter("sip.media.sdp_hold_attribute_sendonly", BOTH, Bool(), "true",
              "Put calls on hold with sendonly (true) or inactive (false).", hidden=True),
    parameter("sip.media.sdp_hold_null_connection", BOTH, Bool(), "false",
              "Signal hold the old way (null connection address).", hidden=True),
    parameter("sip.media.sdp_ignore_version", BOTH, Bool(), "false", "Ignore the version in SDP from remote endpoints."),
    parameter("sip.media.tos", BOTH, TOS, "184 (0xb8)", "TOS/Diffserv byte of media packets.",
              note="Written in decimal (0..255); the guide adds the hex form to its default."),
    parameter("sip.media.turn.enable", BOTH, Bool(), "false", "Enable TURN."),
    _secret_text("sip.media.turn.password", BOTH, "TURN server password; empty uses each user's authentication password."),
    parameter("sip.media.turn.server", BOTH, Host(), None, "Address of the TURN server."),
    parameter("sip.media.turn.username", BOTH, Text(), None,
              "TURN server user name; empty uses each user's authentication user name."),
    parameter("sip.media.vlan_cos", BOTH, VLAN_COS, "5", "IEEE 802.1p priority of RTP packets (needs VLAN tagging)."),
    parameter("sip.media.srtp.enable", BOTH, Bool(), "true",
              "Support external SRTP when the remote end negotiates it (fewer voice channels: 32 to 16).", hidden=True),
    parameter("sip.media.srtp.required", BOTH, Bool(), "false", "Require SRTP; calls whose SRTP negotiation fails are aborted.",
              hidden=True),
    parameter("sip.media.srtp.lifetime", BOTH, Bool(), "false",
              "Handle the RFC 4568 SRTP key lifetime parameter in SDP offers.",
              hidden=True),
    parameter("sip.media.srtp.mki", BOTH, Bool(), "false", "Handle the RFC 4568 SRTP master key index parameter in SDP offers.",
              hidden=True),
    parameter("sip.music_on_hold", BOTH, Bool(), "false", "Play music on hold to the remote end."),
    parameter("sip.mwi.enable", BOTH, Bool(), "true", "Enable the message waiting indicator (MWI)."),
    parameter("sip.mwi.expire", BOTH, SECONDS, "3600", "Expiry of the MWI subscription."),
    parameter("sip.mwi.subscribe", BOTH, Bool(), "false", "Subscribe to MWI."),
    parameter("sip.onholdtone", BOTH, Bool(), "true", "Play the on-hold tone to a handset put on hold."),
    parameter("sip.pound_dials_overlap", BOTH, Bool(), "false", "'#' ends overlap dialling."),
    *_sip_proxies("domain", Host(), (None, None, None, None), "Address", "Address of the SIP proxy."),
    *_sip_proxies("port", Int(0, 65535), ("0", "0", "0", "0"), "Port", "Port of the SIP proxy; 0 uses the default."),
    *_sip_proxies("priority", Int(0, None), ("1", "2", "3", "4"), "Priority",
                  "Priority of the SIP proxy: the lowest is preferred, higher ones are used for failover."),
    *_sip_proxies("weight", Int(0, None), ("100", "100", "100", "100"), "Weight",
                  "Load balancing weight among proxies of the same priority."),
    parameter("sip.registration_expire", BOTH, SECONDS, "3600", "Seconds before a SIP registration is renewed."),
    parameter("sip.send_to_current_registrar", BOTH, Bool(), "false", "Send all messages to the current registrar."),
    parameter("sip.separate_endpoint_ports", BOTH, Bool(), "false", "Register the endpoints on separate ports."),
    parameter("sip.showstatustext", BOTH, Bool(), "true", "Show call status (ringing, hold, ...) on the handset display."),
    parameter("sip.tcp_contact_ephemeral_port", BOTH, Bool(), "false",
              "Put the local port of the outgoing TCP connection in the Contact header instead of the listening port."),
    parameter("sip.tls_allow_insecure", BOTH, Bool(), "false",
              "Allow UDP and TCP as fallback when TLS is the default transport and fails."),
    parameter("sip.tos", BOTH, TOS, "96 (0x60)", "TOS/Diffserv byte of SIP packets.",
              note="Written in decimal (0..255); the guide adds the hex form to its default."),
    parameter("sip.transport", BOTH, Enum("udp", "tcp", "tls"), "udp", "Transport of SIP requests."),
    parameter("sip.use_sips_uri", BOTH, Bool(), "true",
              "Use the SIPS: URI scheme on TLS; false uses SIP: with transport=tls."),
    parameter("sip.vlan_cos", BOTH, VLAN_COS, "3", "IEEE 802.1p priority of SIP packets (needs VLAN tagging).", hidden=True),
    parameter("sip.lync.enabled", BOTH, Bool(), "false", "Enable Microsoft Lync SIP mode.", hidden=True),
    parameter("sip.lync.trusted", BOTH, Bool(), "false", "Trust the Microsoft Lync server to authenticate users.", hidden=True),
    # ---------------------------------------------------------------- snmp
    parameter("snmp.enable", IPDECT, Bool(), "false", "Enable SNMP: the device answers SNMP requests.", note=INFERRED_SNMP),
    parameter("snmp.community", IPDECT, Text(), "public", "Community the device answers SNMP requests for.", secret=True,
              note=INFERRED_SNMP),
    parameter("snmp.syscontact", IPDECT, Text(), None, "Contact person for this device and how to reach them.",
              note=INFERRED_SNMP),
    parameter("snmp.syslocation", IPDECT, Text(), None, "Physical location of the device.", note=INFERRED_SNMP),
    _secret_text("snmp.trapcommunity", IPDECT, "Community used when sending traps.", note=INFERRED_SNMP),
    parameter("snmp.traphost", IPDECT, Host(), None, "Host SNMP traps are sent to.", note=INFERRED_SNMP),
    # ---------------------------------------------------------------- system_event
    parameter("system_event.auth_call", DECT,
              HexInt(0x00, 0x1F,
                     allowed_text="sum of 0x01 terminate access rights on authentication error, 0x02 create authentication key"
                                  " at subscription, 0x04 check at location registration, 0x08 check on incoming calls,"
                                  " 0x10 check on outgoing calls"),
              "0x07", "DECT authentication flags (bit field).", alias="dect.auth_call",
              note=_notes("Read as a bit field: any sum of the listed flags, 0x00..0x1F.", SYSTEM_EVENT)),
    parameter("system_event.acustic_feedback_on_release", DECT, Int(0, 2), "0",
              "Acoustic feedback to handsets on release: 0, 1 (3 s timer) or 2 (automatic release).",
              note=_notes("Element spelled 'acustic_feedback_on_release', as the guide writes it.", SYSTEM_EVENT)),
    parameter("system_event.encrypt_voice_data", DECT, Int(0, 2), "0",
              "DECT encryption of voice calls: 0 disabled, 1 enabled, 2 enforced (calls with handsets that cannot encrypt end).",
              alias="dect.encrypt_voice_data", note=SYSTEM_EVENT),
    parameter("system_event.internal_clip_presentation_ab", DECT, Bool(), "true",
              "Analog systems: on calls between internal handsets show the local CLIP and name instead of the external CLIP.",
              note=_notes(INFERRED_ANALOG, SYSTEM_EVENT)),
    parameter("system_event.internal_switching_permits", DECT, HexInt(0x00, 0xFF, render_hex=False), "0",
              "Bit field letting analog, SIP and DECT-to-DECT users call each other switched inside the server (bit 0 allow,"
              " bit 1 also with internal setup, bit 5 whenever possible).",
              note=_notes("A byte: the guide documents bits 0, 1, 3 and 5 and calls the rest unused.", SYSTEM_EVENT)),
    parameter("system_event.min_ringing_time", DECT, Int(40, 120, unit="units of 10 ms"), "50",
              "Minimum audible ringing time in the handset when ringing_mode is exchange.", note=SYSTEM_EVENT),
    parameter("system_event.msf_between_pp", DECT, Bool(), "false",
              "Handle messages between handsets internally (true) or by an external application (false).",
              alias="application.internal_messaging", note=SYSTEM_EVENT),
    parameter("system_event.outgoing_line_prefix", DECT, LimitedText(max_length=4), "00",
              "Analog users: digits that reach the PSTN side of the PBX, up to 4 characters.", note=SYSTEM_EVENT),
    parameter("system_event.ringing_mode", DECT, Enum("0", "1", "E"), "1",
              "Handset ringing follows the system cadence (0) or the exchange/PBX cadence (1).",
              note=_notes("min_ringing_time's description speaks of ringing_mode=\"E\" (exchange): that spelling is accepted"
                          " besides the listed 0 and 1.", SYSTEM_EVENT)),
    parameter("system_event.send_date_time", DECT, Bool(), "true", "Send the date and time to the handsets.",
              alias="dect.send_date_time", note=SYSTEM_EVENT),
    _secret_text("system_event.sio_passwd", DECT, "Password of the RS232 interface used as EMD interface.",
                 note=SYSTEM_EVENT),
    parameter("system_event.subscription_allowed", DECT, Enum("0", "2", "3"), "2",
              "Handset subscription: 0 disallowed, 2 allowed, 3 wildcard (a subscribing handset gets a new user).",
              alias="dect.subscription_allowed", note=SYSTEM_EVENT),
    parameter("system_event.system_access_code", DECT, ACCESS_CODE, None,
              "System wide access code handsets need to subscribe; a user's own code overrides it.", secret=True,
              alias="dect.accesscode",
              note=_notes("Same digits-only, 0 to 8 digit format as dect.accesscode, whose setting it is.", SYSTEM_EVENT)),
    # ---------------------------------------------------------------- TAP
    _tap("CBNStart", Enum("Position", "Start letter", "First cipher"), "First cipher",
         "How a call back number is found in a pager text: at a position, after a start letter, or at the first digit."),
    _tap("CBNprefix", Text(), None, "Number put in front of a call back number."),
    _tap("CBNsegmentReplaceStr", Text(), "s",
         "Letters that replace the gap between the two parts of a call back number (an extra digit or a pause)."),
    _tap("CBNsegmentStr", Text(), "E",
         "Letters removed between two parts of a call back number ('Alarm 712E:5' gives 7125; a ':' after them goes too)."),
    _tap("DNorName", Text(), "D", "Not used.", note=NOT_USED),
    _tap("EOL", Int(0, 4), "1", "End of line: 0 auto, 1 CR, 2 LF, 3 CR/LF, 4 LF/CR."),
    _tap("ExtractCBN", Bool(), "true", "Look for a phone number in the text of TAP messages."),
    _tap("IgnoreCheckSum", Int(0, 1), "0", "Ignore the TAP checksum (1), e.g. for debugging, or validate it (0)."),
    _tap("LogMethod", Int(0, 3), "1",
         "Event logging: 0 none, 1 trace events (EMD and web), 2 RS232 log printer, 3 both."),
    _tap("LongMessage", Text(), None, "Not used.", note=NOT_USED),
    _tap("MaxSessionPerLogin", Text(), None, "Not used.", note=NOT_USED),
    _tap("MaxtimePerLogin", Text(), None, "Not used.", note=NOT_USED),
    _tap("N1", Text(), None, "Not used.", note=NOT_USED),
    _tap("N2", Text(), None, "Not used.", note=NOT_USED),
    _tap("N3", Text(), None, "Not used.", note=NOT_USED),
    _tap("NCReleaseCmd", Text(), "*9", "Release command some nurse call systems need to end a voice call."),
    _tap("NoLogin", Bool(), "false",
         "Use the login procedure: the server requires an answer to 'ID=' (PG1 unless SSTstring says otherwise)."),
    _tap("PositionLetter", Int(0, None), "0",
         "Where the call back number is: a position in the text, or the ASCII code of the start letter (87 for W)."),
    _tap("RemoveCBNFromText", Bool(), "false", "Remove the found phone number from the text sent to the handset."),
    _tap("ResponseCodes", Bool(), "true", "Use response codes."),
    _tap("SMS_AlertPattern", Int(0, 4), "3",
         "Alert pattern (handset specific): 0 none, 1 continuous tone, 2 internal ringing, 3 external ringing,"
         " 4 alarm for AlertTimeout."),
    _tap("SMS_AlertTmeout", Decimal(0, 127.5, 0.5, unit="seconds"), "0", "Alert timeout.",
         note="Element spelled 'SMS_AlertTmeout', as the guide writes it. '0 - 127.5 sec' read as half-second steps."),
    _tap("SMS_AlertTone", Int(0, 10), "10", "Alert tone (handset specific): 0 off, 1..9 tone 1..9, 10 the handset's tone."),
    _tap("SMS_AlertVolume", Int(0, 9), "3", "Alert tone volume."),
    _tap("SMS_DispTimeout", Decimal(0, 127.5, 0.5, unit="seconds"), "0", "Display timeout.",
         note="'0 - 127.5 sec' read as half-second steps."),
    _tap("SMS_IconNo", HexInt(0x00, 0xFF, render_hex=False), "0", "Icon shown on the handset for a message."),
    _tap("SMS_LedCtrl", HexInt(0x00, 0x27, render_hex=False), "0",
         "Handset LED for a message: colour bits 0x01 red, 0x02 green, 0x04 blue, plus 0x08 slow flashing, 0x10 fast"
         " flashing, 0x18 switch slow or 0x20 switch fast.",
         note="Read as a colour combination 0x00..0x07 plus one flashing mode, which spans exactly 0x00..0x27."),
    _tap("SMS_PriColour", HexInt(0x00, 0xFC, render_hex=False, allowed=_PRICOLOUR,
                                 allowed_text="colour 0x00..0x0C plus priority level 0x10..0xF0"), "0",
         "Message priority (high nibble, levels 1..15) and the text/background colours (low nibble 0x00..0x0C).",
         note="Read as a priority level in the high nibble added to a colour code in the low nibble."),
    _tap("SMS_ResponseEnabler", HexInt(0x00, 0xFF, render_hex=False), "0",
         "Bit field of the allowed handset responses (0x01 'unable' deletes the task, 0x02..0x40 actions 0x81..0x86,"
         " 0x80 task can always be deleted)."),
    _tap("SMS_SetupSpec1", HexInt(0x00, 0x3F, render_hex=False), "39(0x27)",
         "SMS setup bits: 0x01 save in stack, 0x02 local alert volume, 0x04 always vibrate, 0x08 ignore in charger,"
         " 0x10 ignore in voice call, 0x20 silent in charger.",
         note="Read as a bit field of the six listed flags, 0x00..0x3F; the guide's default is 39 (0x27)."),
    _tap("SMS_action", Int(0, None), "0", "How the server handles a received TAP message.",
         note="The guide gives no values, only the default 0: any whole number >= 0."),
    _tap("SSTstring", Text(), "PG1", "User name expected in the login procedure."),
    _tap("SmsMsf", Int(0, 1), "0",
         "Messaging format: 0 DECT MSF (messages), 1 DECT SMS / MSF format III (task list on 7620/7640/7720/7740)."),
    _tap("T1", Text(), "2", "Not used.", note=NOT_USED),
    _tap("T2", Text(), "1", "Not used.", note=NOT_USED),
    _tap("T3", Text(), "10", "Not used.", note=NOT_USED),
    _tap("T4", Text(), "4", "Not used.", note=NOT_USED),
    _tap("T5", Text(), "8", "Not used.", note=NOT_USED),
    _tap("TrailingDigitsLen", Int(0, None), "0", "Number of trailing digits in/after the pager ID number."),
    # ---------------------------------------------------------------- trace_event
    parameter("trace_event.level", DECT, Int(0, 5), "5",
              "Trace level: 0 off, 1 subscriptions, 2 plus exceptions, startup and user maintenance, 3 plus calls,"
              " 4 plus SIP signalling, 5 everything including debug.",
              note="Family inferred: 2500/8000 (trace events go to EMD and the web, as in TAP's LogMethod)."),
    # ---------------------------------------------------------------- tx_power
    parameter("tx_power.handset", DECT, TX_POWER_MW, "250", "Output power in mW.",
              note="Family inferred: 2500/8000; a guess (the 400/6500 sets power with dect.global_tx_power in dBm). The guide's"
                   " description says 'output power of a base' for this handset entry too. The '*' stands in the section cell:"
                   " read as this row's.",
              hidden=True),
    parameter("tx_power.rfp", DECT, TX_POWER_MW, "250", "Output power of a base station in mW.",
              note="Family inferred: 2500/8000; a guess (the 400/6500 sets power with dect.global_tx_power in dBm).",
              hidden=True),
    # ---------------------------------------------------------------- upnp
    parameter("upnp.enable", BOTH, Bool(), "true", "Enable UPnP: the device answers UPnP broadcasts."),
    parameter("upnp.broadcast", BOTH, Bool(), "false", "Broadcast UPnP announcements periodically."),
    parameter("upnp.name", BOTH, Text(), None, "Friendly name announced over UPnP."),
)


# Defaults the guide gives per model (the ``default`` text above says the same in the guide's words).
# Only what the guide states: it names the 8000 and the 6500 for bootproto and failovertime, and the
# 400/6500 and 2500/8000 families for the application login.
MODEL_DEFAULTS = {
    "application.username": {"400": "admin", "6500": "admin", "2500": "GW-DECT", "8000": "GW-DECT"},
    "network.bootproto": {"6500": "dhcp", "8000": "static"},
    "redundancy.failovertime": {"6500": "10", "8000": "15"},
}


def default_for(path, model):
    """The guide's default of ``path`` on ``model``: its per-model default where the guide gives one,
    None where the guide's default differs by model without naming this one, else ``Param.default``."""
    per_model = MODEL_DEFAULTS.get(path)
    if per_model is not None:
        return per_model.get(str(model))
    param = by_path().get(path)
    return param.default if param is not None else None


def by_path():
    """Every parameter by its path (``{'sip.localport': Param(...)}``)."""
    return dict((param.path, param) for param in PARAMETERS)
