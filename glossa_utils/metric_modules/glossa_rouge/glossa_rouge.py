"""ROUGE-1/2/L F-measure as a plain mean over examples, as a local `evaluate` module (offline).

The Hub's ``rouge`` module aggregates with a bootstrap resampler and reports its *median*, which
moves with the random seed; a mean is what a reader expects and what reruns reproduce.
"""

import datasets
import evaluate
from rouge_score import rouge_scorer

_DESCRIPTION = "Mean ROUGE-1, ROUGE-2 and ROUGE-L F-measure (rouge-score package, no bootstrap)."
_KWARGS_DESCRIPTION = """
Args:
    predictions: list of str. references: list of str.
    use_stemmer: bool, Porter-stem words before matching (default False).
    per_example: bool, also return the per-example F-measures (default False).
Returns:
    rouge1, rouge2, rougeL: mean F-measure in [0, 1] (and *_per_example lists when asked).
"""

TYPES = ("rouge1", "rouge2", "rougeL")


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class GlossaRouge(evaluate.Metric):
    def _info(self):
        return evaluate.MetricInfo(
            description=_DESCRIPTION, citation="Lin, 2004. ROUGE: A Package for Automatic Evaluation of Summaries.",
            inputs_description=_KWARGS_DESCRIPTION,
            features=datasets.Features({"predictions": datasets.Value("string"),
                                        "references": datasets.Value("string")}),
        )

    def _compute(self, predictions, references, use_stemmer=False, per_example=False):
        scorer = rouge_scorer.RougeScorer(list(TYPES), use_stemmer=use_stemmer)
        scores = [scorer.score(ref, pred) for pred, ref in zip(predictions, references)]
        out = {}
        for name in TYPES:
            values = [s[name].fmeasure for s in scores]
            out[name] = sum(values) / len(values) if values else 0.0
            if per_example:
                out[f"{name}_per_example"] = values
        return out
