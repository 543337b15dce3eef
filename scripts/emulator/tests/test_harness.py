"""The harness itself: the emulator answers, with the extensions installed."""

import unittest

from .harness import client, error_code


class HarnessTest(unittest.TestCase):
    def test_image_builder_is_served(self):
        from botocore.exceptions import ClientError

        ib = client("imagebuilder")
        with self.assertRaises(ClientError) as caught:
            ib.get_image(imageBuildVersionArn="arn:aws:imagebuilder:us-east-1:123456789012:image/none/1.0.0/1")
        self.assertEqual(error_code(caught.exception), "ResourceNotFoundException")


if __name__ == "__main__":
    unittest.main()
