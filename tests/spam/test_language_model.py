import numpy as np
from py3langid.langid import MODEL_FILE, LanguageIdentifier

from mailcore.filters.spam import language


def test_the_model_is_read_exactly_as_py3langid_reads_it():
    ours = language._read_model()
    theirs = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    for name in ("nb_ptc", "nb_pc"):
        assert getattr(ours, name).dtype == getattr(theirs, name).dtype
        assert np.array_equal(getattr(ours, name), getattr(theirs, name))
    for name in ("nb_classes", "tk_nextmove", "tk_row", "tk_output", "_rowbase",
                 "_alias_pairs", "_norm_probs", "min_confidence"):
        assert type(getattr(ours, name)) is type(getattr(theirs, name)), name
        assert getattr(ours, name) == getattr(theirs, name), name
    assert ours.tk_nextmove.typecode == theirs.tk_nextmove.typecode
    assert ours.tk_row.typecode == theirs.tk_row.typecode
