"""Link cards checked before posting (issue #11, point 6).

Platforms build a link card from the page's OpenGraph and Twitter tags. Before the editor
publishes, the panel fetches the page's public address through the outbound gate (or renders a
page that is not live yet in-process), reads those tags and checks them against each platform's
card rules: what is missing, relative or too large, each with its fix in plain words.

``meta`` reads the tags, ``rules`` holds each platform's card rules, ``fetch`` fetches through the
gate, ``check`` puts them together.
"""
