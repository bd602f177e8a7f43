"""The entity layer: who is asking and what is at stake (nationality, country, profession, dates and
deadlines, reference numbers), found by rules over spaCy's blank pipelines. Runs inside Rasa's
environment (spaCy 3.4, stdlib, yaml); `bot/rasa_ext/entity_extractor.py` puts it in the pipeline."""
