"""Connecting accounts: OAuth 2 (authorization code + PKCE + ``state``) and X's OAuth 1.0a,
choosing the page or organization a channel posts as, token refresh and disconnect.

``providers`` knows each platform's endpoints, ``oauth2``/``oauth1`` speak the protocols,
``views`` are the admin screens, ``refresh`` keeps tokens alive, ``checks`` reports missing app
credentials. Nothing here renders or logs a token.
"""
