//! The candle encoder against reference embeddings from sentence-transformers,
//! and gradient flow through every trained layer. Needs the real weights
//! (`scripts/fetch-model`, run by the test command).

use std::path::{Path, PathBuf};

use ar_triage::classify::bert::{BertEncoder, Kernels, l2_normalize, mean_pool, read_config};
use ar_triage::classify::tokenize::{TextTokenizer, Windowing, make_batch};
use ar_triage::train::{bce_with_logits, trainable_net};
use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;

fn base() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/all-MiniLM-L6-v2");
    assert!(
        dir.join("model.safetensors").exists(),
        "run scripts/fetch-model first: {} is missing",
        dir.display()
    );
    dir
}

#[derive(serde::Deserialize)]
struct Row {
    text: String,
    ids: Vec<u32>,
    embedding: Vec<f32>,
}

#[derive(serde::Deserialize)]
struct Fixture {
    rows: Vec<Row>,
}

#[test]
fn embeddings_match_sentence_transformers() {
    let base = base();
    let fixture: Fixture = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/encoder_reference.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let dev = Device::Cpu;
    let cfg = read_config(&base.join("config.json")).unwrap();
    let vb = unsafe {
        VarBuilder::from_mmaped_safetensors(&[base.join("model.safetensors")], DType::F32, &dev)
            .unwrap()
    };
    let mut encoder = BertEncoder::load(vb, &cfg).unwrap();
    let tok = TextTokenizer::load(&base.join("tokenizer.json"), Windowing::default()).unwrap();

    // All texts in one batch, so padding and masking are exercised too.
    let windows: Vec<_> = fixture
        .rows
        .iter()
        .map(|r| tok.windows(&r.text).unwrap())
        .collect();
    for (w, r) in windows.iter().zip(&fixture.rows) {
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].ids, r.ids, "token ids differ for {:?}", r.text);
    }
    let batch = make_batch(&windows, &dev).unwrap();
    // Training's differentiable ops and inference's fused kernels both
    // reproduce the reference, and each other.
    let mut outputs = Vec::new();
    for kernels in [Kernels::Differentiable, Kernels::Fused] {
        encoder.set_kernels(kernels).unwrap();
        let hidden = encoder.forward(&batch.ids, &batch.attention).unwrap();
        let emb = l2_normalize(&mean_pool(&hidden, &batch.attention).unwrap()).unwrap();
        let got: Vec<Vec<f32>> = emb.to_vec2().unwrap();
        for (g, r) in got.iter().zip(&fixture.rows) {
            let worst = max_abs_diff(g, &r.embedding);
            assert!(
                worst < 1e-4,
                "{kernels:?} {:?}: max abs diff {worst}",
                r.text
            );
        }
        outputs.push(got);
    }
    for (a, b) in outputs[0].iter().zip(&outputs[1]) {
        let worst = max_abs_diff(a, b);
        assert!(worst < 1e-5, "fused and differentiable differ by {worst}");
    }
}

fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    a.iter()
        .zip(b)
        .map(|(a, b)| (a - b).abs())
        .fold(0f32, f32::max)
}

#[test]
fn long_text_is_read_in_windows_not_cut() {
    let tok = TextTokenizer::load(
        &base().join("tokenizer.json"),
        Windowing {
            max_len: 16,
            overlap: 4,
            max_windows: 100,
        },
    )
    .unwrap();
    let text =
        "the travel line on invoice two is wrong and we will pay the rest on friday ".repeat(5);
    let n = tok.count_tokens(&text).unwrap();
    let windows = tok.windows(&text).unwrap();
    assert!(windows.len() > 1);
    // Every word piece is counted exactly once by the pooling weights.
    let counted: f32 = windows
        .iter()
        .map(|w| w.pool[1..w.pool.len() - 1].iter().sum::<f32>())
        .sum();
    assert_eq!(counted as usize, n);
    assert!(windows.iter().all(|w| w.ids.len() <= 16));
}

#[test]
fn every_trained_layer_receives_gradient() {
    let base = base();
    let dev = Device::Cpu;
    let cfg = read_config(&base.join("config.json")).unwrap();
    let from = 4;
    let (net, varmap) = trainable_net(&base, &cfg, from, &dev).unwrap();
    let tok = TextTokenizer::load(&base.join("tokenizer.json"), Windowing::default()).unwrap();
    let texts = ["We count 32 hours, not 40.", "Paid today by wire."];
    let windows: Vec<_> = texts.iter().map(|t| tok.windows(t).unwrap()).collect();
    let batch = make_batch(&windows, &dev).unwrap();
    let logits = net.forward(&batch).unwrap();
    let targets = Tensor::new(&[[0f32, 0., 1., 0.], [0., 0., 0., 1.]], &dev).unwrap();
    let grads = bce_with_logits(&logits, &targets)
        .unwrap()
        .backward()
        .unwrap();

    let data = varmap.data().lock().unwrap();
    for layer in from..cfg.num_hidden_layers {
        let prefix = format!("encoder.layer.{layer}.");
        let names: Vec<&String> = data.keys().filter(|k| k.starts_with(&prefix)).collect();
        // q, k, v, attention output, intermediate, output (weights and biases) and two layer norms.
        assert_eq!(names.len(), 16, "{prefix}: {names:?}");
        for name in names {
            // The key bias shifts every score of a query by the same amount,
            // which softmax ignores: its true gradient is zero.
            if name.ends_with("attention.self.key.bias") {
                continue;
            }
            let g = grads
                .get(data[name].as_tensor())
                .unwrap_or_else(|| panic!("no gradient for {name}"));
            let norm = g
                .sqr()
                .unwrap()
                .sum_all()
                .unwrap()
                .to_scalar::<f32>()
                .unwrap();
            assert!(norm > 0.0, "zero gradient for {name}");
        }
    }
    for name in ["classifier.weight", "classifier.bias"] {
        assert!(grads.get(data[name].as_tensor()).is_some(), "{name}");
    }
}
