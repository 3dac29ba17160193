"""avatar84.py: publishes a PNG as an account's XEP-0084 avatar, then logs out.

    docs/clients/lab.sh run python3 docs/clients/avatar84.py JID PASSWORD FILE.png

docs/CLIENTS.md uses it to check that a client shows a contact's avatar
when the publisher does it by the book: profanity 0.13.1, the bench's usual
peer, declares its avatars as type "img/png", which Dino and Psi+ ignore.
slixmpp comes from Debian's python3-slixmpp, as in test/e2e.
"""
import asyncio
import hashlib
import struct
import sys

from slixmpp import ClientXMPP


def png_size(data):
    # The IHDR chunk comes first; XEP-0084 asks for width and height.
    if data[:8] != b'\x89PNG\r\n\x1a\n':
        sys.exit('avatar84.py: not a PNG file')
    return struct.unpack('>II', data[16:24])


class Publisher(ClientXMPP):
    def __init__(self, jid, password, data):
        super().__init__(jid, password)
        self.data = data
        self.register_plugin('xep_0084')
        self.add_event_handler('session_start', self.start)

    async def start(self, _):
        self.send_presence()
        width, height = png_size(self.data)
        await self['xep_0084'].publish_avatar(self.data)
        await self['xep_0084'].publish_avatar_metadata([{
            'id': hashlib.sha1(self.data).hexdigest(), 'type': 'image/png',
            'bytes': str(len(self.data)), 'width': str(width), 'height': str(height)}])
        print('published', hashlib.sha1(self.data).hexdigest())
        self.disconnect()


def main():
    jid, password, path = sys.argv[1:4]
    with open(path, 'rb') as f:
        client = Publisher(jid, password, f.read())
    client.connect()
    asyncio.get_event_loop().run_until_complete(client.disconnected)


if __name__ == '__main__':
    main()
