"""Corpus BLEU-n as the model card reports it, as a local `evaluate` module (works offline).

Cumulative BLEU with maximum n-gram order ``max_order`` (uniform weights over orders 1..n), on a
0–1 scale, sacreBLEU's 13a tokenisation, no smoothing, one reference per prediction.
"""

import datasets
import evaluate
import sacrebleu

_DESCRIPTION = "Cumulative corpus BLEU-n (sacreBLEU, 13a tokenisation, no smoothing) on a 0-1 scale."
_KWARGS_DESCRIPTION = """
Args:
    predictions: list of str, one hypothesis per example.
    references: list of str, one reference per example.
    max_order: int, the highest n-gram order (BLEU-1 ... BLEU-4).
Returns:
    bleu: float in [0, 1]; precisions: n-gram precisions in [0, 1]; brevity_penalty; length_ratio;
    translation_length; reference_length; sacrebleu: the sacreBLEU signature.
"""


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class GlossaBleu(evaluate.Metric):
    def _info(self):
        return evaluate.MetricInfo(
            description=_DESCRIPTION, citation="Post, 2018. A Call for Clarity in Reporting BLEU Scores.",
            inputs_description=_KWARGS_DESCRIPTION,
            features=datasets.Features({"predictions": datasets.Value("string"),
                                        "references": datasets.Value("string")}),
        )

    def _compute(self, predictions, references, max_order=4):
        bleu = sacrebleu.metrics.BLEU(max_ngram_order=max_order, smooth_method="none", tokenize="13a")
        score = bleu.corpus_score(list(predictions), [list(references)])
        return {"bleu": score.score / 100, "precisions": [p / 100 for p in score.precisions],
                "brevity_penalty": score.bp, "length_ratio": score.ratio,
                "translation_length": score.sys_len, "reference_length": score.ref_len,
                "sacrebleu": str(bleu.get_signature())}
