"""Connecting accounts: OAuth 2 (authorization code + PKCE + ``state``) and X's OAuth 1.0a,
choosing the page or organization a channel posts as, token refresh and disconnect.

Each platform's endpoints live with its adapter (``adapters/<platform>/connect.py``, found through
``adapters.provider``); here ``oauth2``/``oauth1`` run the admin's flows (``store`` keeps them),
``views`` are the admin screens, ``connect`` saves tokens on the channel, ``refresh`` keeps
tokens alive, ``checks`` reports missing app credentials. Nothing here renders or logs a token.
"""
