use pretty_assertions::assert_eq;
use serde_json::Value;

use super::*;
use crate::types::test_support::*;

#[test]
fn captured_create_request_round_trips() {
    // 62-create-all-fields, request body.
    let body = r##"{"model":"tiny-full","files":{"tiny.gguf":"sha256:936219a893deab01c75ed08736e38f760b8c77eea996f551ca60aec305502a6e"},"template":"{{ if .System }}<|im_start|>system\n{{ .System }}<|im_end|>\n{{ end }}<|im_start|>user\n{{ .Prompt }}<|im_end|>\n<|im_start|>assistant\n","system":"You are a tiny test model.","parameters":{"temperature":0.5,"num_predict":8,"stop":["<|im_end|>"],"seed":1},"license":"Test licence text.","messages":[{"role":"user","content":"hello"},{"role":"assistant","content":"hi there"}]}"##;
    let req: CreateRequest = serde_json::from_str(body).unwrap();
    assert_eq!(req.model, "tiny-full");
    assert_eq!(req.license, Some(License::One("Test licence text.".into())));
    assert_eq!(req.parameters.as_ref().unwrap().temperature, Some(0.5));
    assert_eq!(
        req.messages.as_ref().unwrap()[1],
        Message::assistant("hi there")
    );
    assert_eq!(
        serde_json::to_value(&req).unwrap(),
        serde_json::from_str::<Value>(body).unwrap()
    );
}

const C62_CREATE_ALL_FIELDS: &str = r##"{"status":"parsing GGUF"}
{"status":"verifying conversion"}
{"status":"using existing layer sha256:8de0a46aec066cc648cf6c4bc0fdf6bc71b618feb0d30689d0d323fe49f61998"}
{"status":"creating new layer sha256:13584952422bdecb614b2071ce16c7e4fa90b37c89d7b99fec2c206d690c4292"}
{"status":"creating new layer sha256:58ed9d82d104e72543685c0384b7ea6c5c3c253b86f100501c2baf7443faf239"}
{"status":"creating new layer sha256:f9a69297e7b9960f695c383614d9aae182dbe312f50392011035097a71bc2d06"}
{"status":"creating new layer sha256:50b299368e4e02012ee351398820fe7f64ffed7cfbd013c9c4303ad60beb1423"}
{"status":"creating new layer sha256:534289adfe5924042077b990eb91f71564e244ae5196a21856eedb6310f412fa"}
{"status":"writing manifest"}
{"status":"success"}"##;

const C74_PULL_STREAM: &str = r##"{"status":"pulling manifest"}
{"status":"pulling 8de0a46aec06","digest":"sha256:8de0a46aec066cc648cf6c4bc0fdf6bc71b618feb0d30689d0d323fe49f61998","total":482944,"completed":482944}
{"status":"pulling bc6c655310bb","digest":"sha256:bc6c655310bb6125b91599affdb663cc7defdb5c43e95cd8704205e3aed2bc90","total":152,"completed":152}
{"status":"verifying sha256 digest"}
{"status":"writing manifest"}
{"status":"success"}
"##;

#[test]
fn decode_progress() {
    let rs: Vec<ProgressResponse> = lines(C74_PULL_STREAM);
    assert_eq!(rs.len(), 6);
    assert_eq!(rs[0].status, "pulling manifest");
    assert_eq!(rs[0].digest, None);
    assert_eq!(rs[1].status, "pulling 8de0a46aec06");
    assert_eq!(
        rs[1].digest.as_deref(),
        Some("sha256:8de0a46aec066cc648cf6c4bc0fdf6bc71b618feb0d30689d0d323fe49f61998")
    );
    assert_eq!(rs[1].total, Some(482944));
    assert_eq!(rs[1].completed, Some(482944));
    assert_eq!(rs[5].status, "success");
    let rs: Vec<ProgressResponse> = lines(C62_CREATE_ALL_FIELDS);
    assert_eq!(rs.len(), 10);
    assert!(rs.iter().all(|r| r.digest.is_none() && r.total.is_none()));
    let s: StatusResponse = serde_json::from_str(r#"{"status":"success"}"#).unwrap();
    assert_eq!(s.status, "success");
    // Re-encoding omits what the server omitted.
    assert_eq!(to_json(&rs[0]), r#"{"status":"parsing GGUF"}"#);
}
