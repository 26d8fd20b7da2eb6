"""ई-मेल डाक: the office's official mailbox read by the job worker into draft receipts, which
the dak clerk confirms (diarises) or discards. Nothing is diarised without a person."""
