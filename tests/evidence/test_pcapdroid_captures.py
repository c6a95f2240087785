"""testdata/pcapdroid/: the generator rewrites the committed files byte for byte, and plain
tshark (no plugin) opens them, decodes the same HTTP requests in each, and shows PCAPdroid's
marks (comments, custom blocks, trailers) exactly where the expectations put them."""
import filecmp
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
FOLDER = os.path.join(os.path.dirname(os.path.dirname(HERE)), "testdata", "pcapdroid")
FILES = ["pcapdroid_v1.9.pcapng", "pcapdroid_head.pcapng", "pcapdroid_trailer.pcap", "pcapdroid_trailer.keylog",
         "pcapdroid_connections.csv", "pcapdroid.expect.json"]


class PcapdroidCapturesTest(unittest.TestCase):
    def test_regenerated_identically_and_read_by_tshark(self):
        out = tempfile.mkdtemp(prefix="xmtrack-pcapdroid-")
        try:
            proc = subprocess.run([sys.executable, "-B", os.path.join(FOLDER, "make_pcapdroid_captures.py"),
                                   "--out", out, "--check"], capture_output=True, text=True, timeout=300)
            self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
            self.assertIn("frame marks as Wireshark shows them = the expectations", proc.stdout)
            for name in FILES:
                with self.subTest(file=name):
                    self.assertTrue(filecmp.cmp(os.path.join(out, name), os.path.join(FOLDER, name), shallow=False),
                                    f"{name} differs from what the generator writes")
        finally:
            shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
