#: a few bytes that start like a PNG: enough for the fakes, which check the upload, not the pixels
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00fake image bytes\r\n" * 20
