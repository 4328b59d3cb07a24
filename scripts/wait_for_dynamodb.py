"""Waits until a DynamoDB-compatible endpoint answers ListTables.

The request must look like DynamoDB (an X-Amz-Target and an Authorization
header), or moto's server answers as if it were S3.
"""

import sys
import time
import urllib.request

url = sys.argv[1]
deadline = time.monotonic() + float(sys.argv[2] if len(sys.argv) > 2 else 60)
headers = {
    "Content-Type": "application/x-amz-json-1.0",
    "X-Amz-Target": "DynamoDB_20120810.ListTables",
    "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/dynamodb/aws4_request, "
    "SignedHeaders=content-type;host;x-amz-target, Signature=0",
}
while True:
    try:
        request = urllib.request.Request(url, data=b"{}", headers=headers, method="POST")
        with urllib.request.urlopen(request, timeout=2) as response:
            if response.status == 200 and b"TableNames" in response.read():
                sys.exit(0)
    except OSError:
        pass
    if time.monotonic() > deadline:
        sys.exit(f"no DynamoDB answer from {url}")
    time.sleep(0.2)
