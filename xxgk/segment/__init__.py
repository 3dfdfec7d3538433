"""Sections: heading rules (:mod:`.rules`), the TF-IDF baseline (:mod:`.baseline`) and the model."""
