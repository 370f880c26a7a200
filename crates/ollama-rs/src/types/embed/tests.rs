use pretty_assertions::assert_eq;

use super::*;

const C43_EMBED_SINGLE: &str = r##"{"model":"tiny-embed","embeddings":[[0.7318014,0.026626382,-0.026379481,-0.018870149,0.058635384,0.026277494,-0.008489895,0.110198416]],"total_duration":4188624,"load_duration":1300669,"prompt_eval_count":6}"##;

const C44_EMBED_LIST: &str = r##"{"model":"tiny-embed","embeddings":[[0.72719884,0.017114434,-0.027117686,-0.01587881,0.05618365,0.017239477,-0.0077562085,0.097509556],[0.7273227,-0.012317545,0.0075029014,-0.0106122615,0.060760908,0.03597731,-0.044688012,0.0993653]],"total_duration":6672292,"load_duration":1346064,"prompt_eval_count":10}"##;

const C50_EMBEDDINGS_LEGACY_OK: &str = r##"{"embedding":[0.7318013906478882,0.026626382023096085,-0.026379480957984924,-0.018870148807764053,0.05863538384437561,0.026277493685483932,-0.008489894680678844,0.11019841581583023]}"##;

#[test]
fn decode_embed() {
    let r: EmbedResponse = serde_json::from_str(C43_EMBED_SINGLE).unwrap();
    assert_eq!(r.model, "tiny-embed");
    assert_eq!(r.embeddings.len(), 1);
    assert_eq!(r.embeddings[0].len(), 8);
    assert_eq!(r.embeddings[0][0], 0.7318014_f32);
    assert_eq!(r.prompt_eval_count, Some(6));
    let r: EmbedResponse = serde_json::from_str(C44_EMBED_LIST).unwrap();
    assert_eq!(r.embeddings.len(), 2);
    assert_eq!(r.embeddings[1][7], 0.0993653_f32);
    assert_eq!(r.prompt_eval_count, Some(10));
    let r: EmbedResponse =
        serde_json::from_str(r#"{"model":"tiny-embed","embeddings":[]}"#).unwrap();
    assert!(r.embeddings.is_empty());
    assert_eq!(r.total_duration, None);
    let r: EmbeddingsResponse = serde_json::from_str(C50_EMBEDDINGS_LEGACY_OK).unwrap();
    assert_eq!(r.embedding.len(), 8);
    assert_eq!(r.embedding[0], 0.7318013906478882);
}
