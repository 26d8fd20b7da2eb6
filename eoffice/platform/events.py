"""What happens in one domain that a later one acts on, without the first importing the second
(docs/architecture.md: imports run one way). The domain where it happens sends; the domain that
cares connects a receiver when its module is imported (create_app imports every domain).

    events.receipt_diarised.send(receipt)                # receipts: a letter entered the dak
    events.reply_issued.send(receipt, dispatch=d)        # dispatch: a reply left the office
    events.receipt_filed.send(receipt, actor=actor)      # files: a receipt went into a file

Receivers run inside the sender's transaction and flush only, like any service.
"""

from __future__ import annotations

from blinker import Namespace

_events = Namespace()

#: sender: the Receipt just diarised (flushed, with its id)
receipt_diarised = _events.signal("receipt-diarised")
#: sender: a Receipt in the file a letter was issued from; keyword `dispatch`: the Dispatch
reply_issued = _events.signal("reply-issued")
#: sender: a Receipt just placed in a file; keyword `actor`: who placed it (its hop is over)
receipt_filed = _events.signal("receipt-filed")
