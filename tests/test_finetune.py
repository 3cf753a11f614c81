import torch

from glossa_utils import PadCollator, build_answer, build_prompt, encode_pair, mask_labels

TEMPLATE = "[INST] {gloss} [/INST] {text}"
PAIR = {"gloss": "YOU WANT GO DRINK AFTER DINNER?", "text": "Do you want to go for a drink after dinner?"}


def test_prompt_is_exactly_the_cards_format():
    assert build_prompt(PAIR["gloss"], TEMPLATE) == "[INST] YOU WANT GO DRINK AFTER DINNER? [/INST]"
    assert build_prompt(PAIR["gloss"], TEMPLATE) + build_answer(PAIR["text"], TEMPLATE) == \
        "[INST] YOU WANT GO DRINK AFTER DINNER? [/INST] Do you want to go for a drink after dinner?"


def test_encoded_pair_is_prompt_then_answer_then_eos(tokenizer):
    enc = encode_pair(tokenizer, PAIR, TEMPLATE, 512)
    ids = enc["input_ids"]
    assert ids[-1] == tokenizer.eos_token_id and not enc["truncated"]
    assert tokenizer.decode(ids[: enc["prompt_length"]]) == build_prompt(PAIR["gloss"], TEMPLATE)
    assert tokenizer.decode(ids[enc["prompt_length"]:-1]) == " " + PAIR["text"]


def test_pad_token_is_set_explicitly_to_eos(tokenizer):
    assert tokenizer.pad_token == tokenizer.eos_token and tokenizer.pad_token_id is not None


def test_label_mask_token_by_token_keeps_eos_with_pad_equal_to_eos():
    eos = 2
    input_ids = torch.tensor([[10, 11, 12, 20, 21, eos, eos, eos],   # padded: pad id == EOS id
                              [10, 11, 20, 21, 22, 23, 24, eos]])
    attention = torch.tensor([[1, 1, 1, 1, 1, 1, 0, 0], [1, 1, 1, 1, 1, 1, 1, 1]])
    labels = mask_labels(input_ids, attention, torch.tensor([3, 2]))
    assert labels.tolist() == [[-100, -100, -100, 20, 21, eos, -100, -100],
                               [-100, -100, 20, 21, 22, 23, 24, eos]]


def test_collator_pads_dynamically_and_masks(tokenizer):
    short = encode_pair(tokenizer, {"gloss": "ME HUNGRY", "text": "I'm hungry."}, TEMPLATE, 512)
    long = encode_pair(tokenizer, PAIR, TEMPLATE, 512)
    batch = PadCollator(tokenizer.pad_token_id)([short, long])
    width = len(long["input_ids"])
    assert batch["input_ids"].shape == (2, width)  # padded to the longest, not to 512
    n = len(short["input_ids"])
    row = batch["labels"][0].tolist()
    assert row[: short["prompt_length"]] == [-100] * short["prompt_length"]
    assert row[n - 1] == tokenizer.eos_token_id  # the answer's EOS is supervised
    assert row[n:] == [-100] * (width - n)       # padding (also EOS ids) is not
    assert batch["attention_mask"][0].tolist() == [1] * n + [0] * (width - n)


def test_truncated_answer_loses_its_eos(tokenizer):
    enc = encode_pair(tokenizer, PAIR, TEMPLATE, 20)
    assert enc["truncated"] and len(enc["input_ids"]) == 20 and enc["input_ids"][-1] != tokenizer.eos_token_id


def test_prompt_longer_than_max_length_is_refused(tokenizer):
    import pytest

    with pytest.raises(ValueError, match="does not fit train.max_length"):
        encode_pair(tokenizer, {"gloss": "WORD " * 40, "text": "x"}, TEMPLATE, 16)


# --- packing and the fast path ---------------------------------------------------------------------------------

import pytest  # noqa: E402

from glossa_utils import (PackCollator, build_trainer, fill_rows, load_model, load_params, plan_batches,  # noqa: E402
                          read_jsonl, resolve_model_path, summed_loss)
from glossa_utils.config import REPO_ROOT  # noqa: E402
from glossa_utils.models import set_attention  # noqa: E402


@pytest.fixture(scope="module")
def examples(tokenizer) -> list[dict]:
    pairs = read_jsonl(REPO_ROOT / "data" / "conversational" / "pairs.jsonl")[:7]
    return [encode_pair(tokenizer, pair, TEMPLATE, 512) for pair in pairs]


@pytest.fixture(scope="module")
def tiny_model(tiny_model_path):
    return load_model(tiny_model_path, device="cpu")


def one_by_one(model, examples, pad_id) -> tuple[float, int]:
    results = [summed_loss(model, PadCollator(pad_id)([e])) for e in examples]
    return sum(r[0] for r in results), sum(r[1] for r in results)


def test_rows_are_few_balanced_and_never_overflow():
    lengths = [30, 10, 25, 20, 5]
    rows = fill_rows(lengths, 40)
    assert sorted(i for row in rows for i in row) == [0, 1, 2, 3, 4]
    assert len(rows) == 3 and all(sum(lengths[i] for i in row) <= 40 for row in rows)
    assert [sum(lengths[i] for i in row) for row in rows] == [30, 30, 30]  # first fit alone: 40, 30, 20
    assert fill_rows([9] * 12, 512) == [list(range(12))]
    with pytest.raises(ValueError, match="does not fit a packed row of 16"):
        fill_rows([17], 16)


def test_packed_rows_restart_positions_and_never_predict_across_examples(tokenizer, examples):
    batch = PackCollator(tokenizer.pad_token_id, 64)(examples)
    assert set(batch) == {"input_ids", "labels", "position_ids"}  # no attention mask: positions carry the boundaries
    lengths = [len(e["input_ids"]) for e in examples]
    assert batch["input_ids"].shape[0] == len(fill_rows(lengths, 64)) < len(examples)
    assert int((batch["position_ids"] == 0).sum()) >= len(examples)  # every example starts again at position 0
    starts = batch["position_ids"] == 0
    assert (batch["labels"][starts] == -100).all()  # first token of each example (and of padding) is not a target
    assert int((batch["labels"] != -100).sum()) == sum(n - e["prompt_length"] for n, e in zip(lengths, examples))


@pytest.mark.parametrize("attention", ["sdpa", "eager"])
def test_packed_loss_sums_to_the_one_by_one_loss_on_the_tiny_llama(tiny_model, tokenizer, examples, attention):
    set_attention(tiny_model, attention)
    packed = summed_loss(tiny_model, PackCollator(tokenizer.pad_token_id, 64)(examples))
    single = one_by_one(tiny_model, examples, tokenizer.pad_token_id)
    assert packed[1] == single[1]
    assert packed[0] == pytest.approx(single[0], rel=1e-5)


def test_a_packed_row_without_boundaries_gives_a_different_loss(tiny_model, tokenizer, examples):
    """The control: one causal sequence over the whole row lets examples see each other — the test above can fail."""
    set_attention(tiny_model, "sdpa")
    batch = PackCollator(tokenizer.pad_token_id, 64)(examples)
    corrupted = {**batch, "position_ids": torch.arange(batch["input_ids"].shape[1]).expand_as(batch["input_ids"])}
    single = one_by_one(tiny_model, examples, tokenizer.pad_token_id)
    assert abs(summed_loss(tiny_model, corrupted)[0] - single[0]) > 10 * 1e-5 * single[0]  # 10x the tolerance


def test_packed_logits_equal_the_example_run_alone(tiny_model, tokenizer, examples):
    set_attention(tiny_model, "sdpa")
    batch = PackCollator(tokenizer.pad_token_id, 64)(examples)
    starts = (batch["position_ids"][0] == 0).nonzero().flatten().tolist() + [batch["input_ids"].shape[1]]
    start, end = starts[1], starts[2]  # the second example of the first row
    ids = batch["input_ids"][0, start:end]
    assert ids.tolist() in [e["input_ids"] for e in examples]
    with torch.no_grad():
        packed = tiny_model(input_ids=batch["input_ids"], position_ids=batch["position_ids"], use_cache=False).logits
        alone = tiny_model(input_ids=ids.unsqueeze(0), use_cache=False).logits
    torch.testing.assert_close(packed[0, start:end], alone[0], atol=1e-5, rtol=1e-5)


def test_packed_loss_matches_on_smollm2(tokenizer, examples):
    model = load_model(resolve_model_path("builtin:smollm2-135m-instruct"), device="cpu", attention="sdpa")
    examples = examples[:4]  # a 135M forward pass per example: keep it to a few seconds
    packed = summed_loss(model, PackCollator(tokenizer.pad_token_id, 64)(examples))
    single = one_by_one(model, examples, tokenizer.pad_token_id)
    assert packed[0] == pytest.approx(single[0], rel=1e-5)
    batch = PackCollator(tokenizer.pad_token_id, 64)(examples)
    corrupted = {**batch, "position_ids": torch.arange(batch["input_ids"].shape[1]).expand_as(batch["input_ids"])}
    assert abs(summed_loss(model, corrupted)[0] - single[0]) > 1e-3 * single[0]


def test_trainer_batches_give_the_same_loss_packed_or_padded(tiny_model_path, tokenizer, examples, tmp_path):
    """What the Trainer computes: the model's mean loss per step is the same with packing as with padding.

    `build_trainer` turns the KV cache off; with it on, transformers would ignore the packed boundaries.
    """
    cfg = load_params("params/smoke.yaml", ["train.packing=true", "train.pack_length=128"])
    model = load_model(tiny_model_path, device="cpu")
    assert model.config.use_cache
    build_trainer(cfg, model, tokenizer, examples, None, output_dir=tmp_path)
    with torch.no_grad():
        padded = model(**PadCollator(tokenizer.pad_token_id)(examples)).loss
        packed = model(**PackCollator(tokenizer.pad_token_id, 128)(examples)).loss
    torch.testing.assert_close(packed, padded, atol=1e-5, rtol=1e-5)


def test_card_padding_to_a_fixed_width_changes_nothing_but_the_width(tiny_model, tokenizer, examples):
    set_attention(tiny_model, "sdpa")
    wide = PadCollator(tokenizer.pad_token_id, pad_to=256)(examples)
    assert wide["input_ids"].shape == (len(examples), 256)
    assert summed_loss(tiny_model, wide)[0] == pytest.approx(one_by_one(tiny_model, examples, tokenizer.pad_token_id)[0],
                                                             rel=1e-5)


@pytest.mark.parametrize("overrides, world, lengths, plan", [
    ([], 1, [40] * 10, (3, 4)),                                           # the card as written
    (["train.tokens_per_batch=1024"], 1, [40] * 10, (12, 1)),              # room for 25: the whole step at once
    (["train.tokens_per_batch=512"], 1, [100] * 10, (4, 3)),               # room for 5: largest divisor of 12
    ([], 2, [40] * 10, (3, 2)),                                           # two processes share the 12
    (["train.tokens_per_batch=4096"], 4, [40] * 10, (3, 1)),
])
def test_batch_plan_keeps_examples_per_step(overrides, world, lengths, plan):
    t = load_params("params/seed_llama32_1b.yaml", overrides).train
    assert plan_batches(t, lengths, world) == plan
    micro, accum = plan
    assert micro * accum * world == t.batch_size * t.grad_accum


def test_batch_plan_refuses_an_uneven_split():
    t = load_params("params/seed_llama32_1b.yaml").train
    with pytest.raises(ValueError, match="12 examples per step cannot be split evenly over 5"):
        plan_batches(t, [40], 5)


def test_training_arguments_follow_the_speed_params(tmp_path):
    from glossa_utils.finetune import training_arguments

    cfg = load_params("params/smoke.yaml", ["train.group_by_length=true", "train.gradient_checkpointing=true",
                                            "train.liger=false"])
    args = training_arguments(cfg, tmp_path, (8, 2))
    assert (args.per_device_train_batch_size, args.gradient_accumulation_steps) == (8, 2)
    assert args.train_sampling_strategy == "group_by_length" and args.activation_checkpointing
    assert args.optim == ("adamw_torch_fused" if torch.cuda.is_available() else "adamw_torch")
    assert not args.use_liger_kernel
    default = training_arguments(load_params("params/smoke.yaml"), tmp_path)
    assert default.train_sampling_strategy == "random" and not default.activation_checkpointing


def test_training_with_packing_runs_and_learns(tiny_model_path, tokenizer, examples, tmp_path):
    from transformers import set_seed

    from glossa_utils import add_lora, train_lora, validation_loss

    cfg = load_params("params/smoke.yaml", ["train.packing=true", "train.pack_length=128", "train.max_steps=4",
                                            "train.batch_size=4", "train.lr=1e-2", "train.group_by_length=true",
                                            "train.gradient_checkpointing=true", f"out_dir={tmp_path}"])
    set_seed(0)
    model = add_lora(load_model(tiny_model_path, device="cpu"), cfg)
    before = validation_loss(model, examples, PackCollator(tokenizer.pad_token_id, 128))
    trainer = train_lora(cfg, model, tokenizer, examples, examples)
    after = validation_loss(model, examples, PackCollator(tokenizer.pad_token_id, 128))
    assert trainer.state.global_step == 4 and after < before
    assert model.config.use_cache  # restored after training


def test_packing_rows_default_to_max_length():
    from glossa_utils.finetune import pick_collator

    t = load_params("params/smoke.yaml", ["train.packing=true"]).train
    assert pick_collator(t, 2) == PackCollator(2, t.max_length)
    assert pick_collator(load_params("params/smoke.yaml").train, 2) == PadCollator(2)


def test_packed_rows_hold_pack_length_tokens_and_grow_for_a_longer_example(tiny_model, tokenizer, examples):
    lengths = [len(e["input_ids"]) for e in examples]
    batch = PackCollator(tokenizer.pad_token_id, 64)(examples)
    assert batch["input_ids"].shape[1] <= 64 and batch["input_ids"].shape[0] == len(fill_rows(lengths, 64))
    long = {"input_ids": list(range(5, 5 + 90)), "prompt_length": 10}
    grown = PackCollator(tokenizer.pad_token_id, 64)(examples + [long])
    assert grown["input_ids"].shape[1] == 90  # the row grew to the longest example instead of failing
    assert int((grown["labels"] != -100).sum()) == sum(n - e["prompt_length"] for n, e in zip(lengths, examples)) + 80
    set_attention(tiny_model, "eager")  # shorter rows change the layout, never the loss
    short, whole = summed_loss(tiny_model, batch), summed_loss(tiny_model, PackCollator(tokenizer.pad_token_id, 512)(examples))
    assert short[1] == whole[1] and short[0] == pytest.approx(whole[0], rel=1e-5)


# --- what 02 shows: the parameter count by hand, tokens, the mask, the run's summary ------------------------------

def test_lora_count_by_hand_equals_the_models_trainable_parameters(tiny_model_path):
    from transformers import AutoConfig

    from glossa_utils import add_lora, count_lora_by_hand, count_parameters

    cfg = load_params("params/smoke.yaml", ["lora.target_modules=[q_proj,k_proj,v_proj,o_proj,gate_proj,up_proj,down_proj]"])
    model = add_lora(load_model(tiny_model_path, device="cpu"), cfg)
    rows = count_lora_by_hand(model.config, cfg.lora.r, list(cfg.lora.target_modules))
    assert sum(r["parameters"] for r in rows) == count_parameters(model)["trainable"]
    smollm2 = AutoConfig.from_pretrained(resolve_model_path("builtin:smollm2-135m-instruct"))
    default = load_params("params/default.yaml")
    assert sum(r["parameters"] for r in count_lora_by_hand(smollm2, 16, list(default.lora.target_modules))) == 4_884_480
    with pytest.raises(ValueError, match=r"\['lm_head'\] are not Llama linear layers"):
        count_lora_by_hand(smollm2, 16, ["q_proj", "lm_head"])


def test_split_tokens_shows_capitals_cut_into_more_pieces(tokenizer):
    from glossa_utils import split_tokens

    caps, lower = split_tokens(tokenizer, [" HAPPY", " happy"])
    assert lower["tokens"] == "Ġhappy" and lower["count"] == 1
    assert caps["count"] > 1 and caps["tokens"].replace(" ", "") == "ĠHAPPY"


def test_loss_mask_html_shows_every_token_coloured_by_role(tokenizer):
    from glossa_utils import render_loss_mask
    from html import escape as html_escape

    from glossa_utils.finetune import MASK_COLOURS

    enc = encode_pair(tokenizer, PAIR, TEMPLATE, 512)
    html = render_loss_mask(tokenizer, enc)
    n, prompt = len(enc["input_ids"]), enc["prompt_length"]
    assert html.count('title="prompt"') == prompt and html.count('title="eos"') == 1
    assert html.count('title="answer"') == n - prompt - 1
    assert f"{n} tokens: {prompt} masked (label -100), {n - prompt} supervised" in html
    assert f"<sub>{n - 1}</sub> {html_escape(tokenizer.eos_token)}<br>{tokenizer.eos_token_id}" in html
    assert MASK_COLOURS["eos"] in html


def test_training_summary_finds_the_best_validation_step():
    from glossa_utils import summarize_training

    log = [{"loss": 3.0, "step": 1, "epoch": 0.1}, {"eval_loss": 2.0, "step": 10, "epoch": 1.0},
           {"loss": 1.5, "step": 15, "epoch": 1.5}, {"eval_loss": 1.2, "step": 20, "epoch": 2.0},
           {"eval_loss": 1.4, "step": 30, "epoch": 3.0}, {"train_runtime": 99.5, "step": 30, "epoch": 3.0}]
    s = summarize_training(log)
    assert (s["best_val_loss"], s["best_val_step"], s["last_val_loss"], s["overfitting"]) == (1.2, 20, 1.4, True)
    assert (s["steps"], s["epochs"], s["first_train_loss"], s["last_train_loss"], s["runtime_s"]) == (30, 3.0, 3.0, 1.5, 99.5)
    with pytest.raises(ValueError, match="no training loss"):
        summarize_training([{"eval_loss": 1.0, "step": 1}])


def test_eval_steps_sets_how_often_validation_loss_is_computed(tmp_path):
    from glossa_utils.finetune import training_arguments

    every = training_arguments(load_params("params/default.yaml", ["train.eval_steps=10"]), tmp_path)
    assert (every.eval_strategy, every.eval_steps) == ("steps", 10)
    epoch = training_arguments(load_params("params/default.yaml", ["train.eval_steps=null"]), tmp_path)
    assert epoch.eval_strategy == "epoch"
    with pytest.raises(Exception, match="train.eval_steps must be >= 1"):
        load_params("params/smoke.yaml", ["train.eval_steps=0"])


def test_evaluating_more_often_does_not_change_training(tiny_model_path, tokenizer, examples, tmp_path):
    from transformers import set_seed

    from glossa_utils import add_lora, train_lora

    losses = {}
    for every in ("null", "1"):
        cfg = load_params("params/smoke.yaml", ["train.max_steps=4", "train.batch_size=2", "train.logging_steps=1",
                                                "lora.dropout=0.1", f"train.eval_steps={every}",
                                                f"out_dir={tmp_path / every}"])
        set_seed(0)
        trainer = train_lora(cfg, add_lora(load_model(tiny_model_path, device="cpu"), cfg), tokenizer, examples,
                             examples)
        losses[every] = [e["loss"] for e in trainer.state.log_history if "loss" in e]
        evals = [e for e in trainer.state.log_history if "eval_loss" in e]
        assert len(evals) == (4 if every == "1" else 1)
    assert losses["1"] == losses["null"] and len(losses["1"]) == 4


def test_loss_description_reads_the_summary():
    from glossa_utils import describe_losses

    base = {"steps": 88, "epochs": 2.0, "first_train_loss": 3.0, "last_train_loss": 0.5, "evaluations": 9,
            "best_val_loss": 0.79, "best_val_step": 80, "last_val_loss": 0.8, "overfitting": True, "runtime_s": 238.2}
    text = describe_losses(base)
    assert "**88 optimiser steps** (2 epochs) in 3:58" in text and "lowest at step 80 (0.790)" in text
    assert "memorise" in text
    assert "no sign of over-fitting" in describe_losses({**base, "overfitting": False, "last_val_loss": 0.79})


def test_cpu_bf16_training_holds_frozen_weights_in_bf16_and_restores_them(tiny_model_path, tmp_path, monkeypatch):
    from glossa_utils import add_lora, describe_training, load_tokenizer, train_lora

    monkeypatch.setattr("glossa_utils.models.cpu_has_bf16", lambda: True)  # train.precision auto -> bf16 autocast
    cfg = load_params("params/smoke.yaml", ["train.precision=auto", "train.max_steps=2", f"out_dir={tmp_path}"])
    tokenizer = load_tokenizer(tiny_model_path)
    model = add_lora(load_model(tiny_model_path, device="cpu"), cfg)
    frozen = {n: p.detach().clone() for n, p in model.named_parameters() if not p.requires_grad}
    seen = []
    q_proj = model.base_model.model.model.layers[0].self_attn.q_proj
    q_proj.base_layer.register_forward_hook(lambda module, args, out: seen.append((module.weight.dtype, out.dtype)))
    examples = [{"input_ids": list(range(5, 5 + n)), "prompt_length": 2} for n in (6, 9, 7, 12)]
    trainer = train_lora(cfg, model, tokenizer, examples, examples)  # evaluation included: also under autocast
    assert trainer.args.bf16 and "bf16 autocast" in describe_training(trainer)
    assert seen and set(seen) == {(torch.bfloat16, torch.bfloat16)}
    assert model.base_model.model.lm_head.weight.dtype == torch.float32  # its bf16 copy is dropped after training
    assert all(p.dtype == torch.float32 for p in model.parameters())
    assert all(torch.equal(frozen[n], p) for n, p in model.named_parameters() if not p.requires_grad)  # restored
    assert any("eval_loss" in e for e in trainer.state.log_history)


# --- the LM head at supervised positions only (train.supervised_head) ------------------------------------------

@pytest.mark.parametrize("packed", [True, False])
def test_supervised_loss_equals_the_models_loss(tiny_model, tokenizer, examples, packed, monkeypatch):
    from glossa_utils.finetune import supervised_loss, supervised_positions

    set_attention(tiny_model, "sdpa")
    monkeypatch.setattr(tiny_model.config, "use_cache", False)  # as build_trainer sets it (packed position ids)
    collate = PackCollator(tokenizer.pad_token_id, 128) if packed else PadCollator(tokenizer.pad_token_id)
    batch = collate(examples)
    with torch.no_grad():
        full = tiny_model(**batch, use_cache=False)
        loss, outputs = supervised_loss(tiny_model, batch)
        summed, _ = supervised_loss(tiny_model, batch, num_items_in_batch=torch.tensor(1000))
    supervised = int((batch["labels"] != -100).sum())
    assert outputs.logits.shape == (supervised, full.logits.shape[-1])  # one row per supervised token, no more
    assert int(supervised_positions(batch["labels"]).sum()) == supervised < batch["labels"].numel()
    torch.testing.assert_close(loss, full.loss, atol=1e-6, rtol=1e-6)
    torch.testing.assert_close(summed, full.loss * supervised / 1000, atol=1e-6, rtol=1e-6)
    keep = supervised_positions(batch["labels"])
    torch.testing.assert_close(outputs.logits, full.logits[keep])  # the very logits the full pass gives there


def test_supervised_head_trains_the_same_adapter(tiny_model_path, tokenizer, examples, tmp_path):
    """The Trainer with `train.supervised_head` learns what it learns without it (fp32, same seed)."""
    from transformers import set_seed

    from glossa_utils import add_lora, train_lora
    from glossa_utils.finetune import SupervisedHeadLoss

    results = {}
    for on in ("true", "false"):
        cfg = load_params("params/smoke.yaml", ["train.max_steps=3", "train.batch_size=4", "train.logging_steps=1",
                                                "train.precision=fp32", "lora.dropout=0.1", "train.packing=true",
                                                f"train.supervised_head={on}", f"out_dir={tmp_path / on}"])
        set_seed(0)
        model = add_lora(load_model(tiny_model_path, device="cpu"), cfg)
        trainer = train_lora(cfg, model, tokenizer, examples, examples)
        assert isinstance(trainer, SupervisedHeadLoss) == (on == "true")
        results[on] = ([e["loss"] for e in trainer.state.log_history if "loss" in e],
                       [e["eval_loss"] for e in trainer.state.log_history if "eval_loss" in e],
                       {n: p.detach().clone() for n, p in model.named_parameters() if p.requires_grad})
    (loss_on, eval_on, weights_on), (loss_off, eval_off, weights_off) = results["true"], results["false"]
    assert len(loss_on) == 3 and loss_on == pytest.approx(loss_off, rel=1e-4)
    assert eval_on == pytest.approx(eval_off, rel=1e-4) and eval_on
    for name, weight in weights_on.items():
        torch.testing.assert_close(weight, weights_off[name], atol=1e-5, rtol=1e-4)


def test_frozen_bf16_weights_give_the_tied_head_its_own_copy_and_retie_it(tiny_model_path):
    from glossa_utils.finetune import frozen_weights_in_bf16

    model = load_model(tiny_model_path, device="cpu").requires_grad_(False)  # frozen, as under LoRA
    embedding, head = model.get_input_embeddings(), model.get_output_embeddings()
    if head.weight is not embedding.weight:
        model.config.tie_word_embeddings = True
        head.weight = embedding.weight
    original = embedding.weight.detach().clone()
    with frozen_weights_in_bf16(model):
        assert head.weight.dtype == torch.bfloat16 and embedding.weight.dtype == torch.float32
        assert head.weight is not embedding.weight and not head.weight.requires_grad
        torch.testing.assert_close(head.weight.float(), original, atol=1e-2, rtol=1e-2)
    assert head.weight is embedding.weight and torch.equal(embedding.weight, original)
