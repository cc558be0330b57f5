# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dect.provisioning contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The RFC 3261 non-INVITE client transaction (section 17.1.2): timers E and F."""

from __future__ import annotations

T1 = 0.5  # RFC 3261 round-trip estimate
T2 = 4.0  # RFC 3261 maximum retransmit interval of non-INVITE requests


class NonInviteClientTransaction(object):
    """Timers E and F of one request.

    Over UDP the request is retransmitted when timer E fires: after T1, then doubling up to T2;
    once a provisional response arrived, every T2. Timer F (64*T1, or the caller's deadline
    when earlier) ends the transaction without a final response. Reliable transports never
    retransmit. ``poll(now)`` says what is due; the caller owns the clock.
    """

    def __init__(self, now, reliable, t1=T1, t2=T2, deadline=None):
        self.reliable = reliable
        self.t2 = t2
        self.timer_f = now + 64 * t1 if deadline is None else min(now + 64 * t1, deadline)
        self.interval = t1
        self.next_retransmit = None if reliable else now + t1
        self.proceeding = False

    def next_event(self):
        if self.next_retransmit is None:
            return self.timer_f
        return min(self.next_retransmit, self.timer_f)

    def on_provisional(self):
        self.proceeding = True

    def poll(self, now):
        """``'timeout'``, ``'retransmit'`` (and the timer is re-armed) or None."""
        if now >= self.timer_f:
            return "timeout"
        if self.next_retransmit is not None and now >= self.next_retransmit:
            self.interval = self.t2 if self.proceeding else min(self.interval * 2, self.t2)
            # Re-arm from when the timer was due, not when the loop noticed: no drift.
            self.next_retransmit += self.interval
            return "retransmit"
        return None
