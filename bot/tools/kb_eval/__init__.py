"""`make eval-kb`: how well retrieval answers, clarifies and refuses, per language (see calibration_data.py).

Every query is scored once; thresholds are chosen on the calibration half (`--calibrate`) and
reported on the other half and on the OMoS-QA dev questions, so the reported numbers are not
the ones the thresholds were fitted to.
"""
