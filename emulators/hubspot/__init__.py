"""A local emulator of the HubSpot CRM v3 endpoints hubspot-api-client calls to read deals: real HTTP on
127.0.0.1, the real hubspot-api-client.

Usage::

    with HubSpotEmulator(page_limit=2) as emulator:
        emulator.add_token("pat-na1-test")
        acme = emulator.add_company("Acme", industry="Insurance", country="Germany")
        emulator.add_deal(dealname="Acme renewal", amount=12000, dealstage="closedwon", company=acme)
        # the kit's client is given emulator.url as its configuration host

Served: the deals search (``filterGroups``, ``sorts``, ``after`` paging, the 10,000-result cap), deal
pipelines (stage labels, closed/won), deal→company associations (v4 batch read), companies batch read and
owners. See ``server.py`` for each endpoint and the HubSpot page it follows.
"""

from __future__ import annotations

from emulators.hubspot.server import DEFAULT_STAGES, RESULT_CAP, HubSpotEmulator, error_body

__all__ = ["DEFAULT_STAGES", "RESULT_CAP", "HubSpotEmulator", "error_body"]
