//! What a `tools/call` result becomes for the model: its text content
//! joined, other content described, and the whole cut at a size.
//!
//! The content is read in its wire form (the MCP schema's JSON), so that
//! every kind of block the protocol has, or gains, reads the same way.

use serde_json::Value;

/// The text of one content block: a text block's text; an image, audio
/// clip, embedded resource or resource link described in brackets.
fn block_text(block: &Value) -> String {
    let str_of = |key: &str| block.get(key).and_then(Value::as_str).unwrap_or("");
    let size = |key: &str| {
        block
            .get(key)
            .and_then(Value::as_str)
            // Base64: 3 bytes per 4 characters.
            .map_or(0, |d| d.trim_end_matches('=').len() * 3 / 4)
    };
    match str_of("type") {
        "text" => str_of("text").to_string(),
        "image" => format!("[image: {}, {} bytes]", str_of("mimeType"), size("data")),
        "audio" => format!("[audio: {}, {} bytes]", str_of("mimeType"), size("data")),
        "resource" => {
            let resource = block.get("resource").cloned().unwrap_or(Value::Null);
            let uri = resource.get("uri").and_then(Value::as_str).unwrap_or("");
            match resource.get("text").and_then(Value::as_str) {
                Some(text) => format!("[resource {uri}]\n{text}"),
                None => {
                    let mime = resource
                        .get("mimeType")
                        .and_then(Value::as_str)
                        .unwrap_or("binary");
                    let bytes = resource
                        .get("blob")
                        .and_then(Value::as_str)
                        .map_or(0, |d| d.trim_end_matches('=').len() * 3 / 4);
                    format!("[resource {uri}: {mime}, {bytes} bytes]")
                }
            }
        }
        "resource_link" => {
            let name = str_of("name");
            let uri = str_of("uri");
            match block.get("description").and_then(Value::as_str) {
                Some(d) => format!("[resource link {name}: {uri} ({d})]"),
                None => format!("[resource link {name}: {uri}]"),
            }
        }
        other => format!("[{other} content]"),
    }
}

/// The text of a `tools/call` result (as JSON) and whether it is an error
/// result (`isError`). Text blocks are joined by newlines; a result
/// without content gives its `structuredContent` as JSON.
pub(super) fn result_text(result: &Value) -> (String, bool) {
    let is_error = result.get("isError") == Some(&Value::Bool(true));
    let blocks = result
        .get("content")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let text = if blocks.is_empty() {
        match result.get("structuredContent") {
            Some(v) => serde_json::to_string(v).unwrap_or_default(),
            None => String::new(),
        }
    } else {
        blocks.iter().map(block_text).collect::<Vec<_>>().join("\n")
    };
    (text, is_error)
}

/// `text` cut to at most `max` bytes (at a character boundary) with a note
/// saying so, for the model; unchanged when it fits.
pub(super) fn cap(text: String, max: usize) -> String {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!(
        "{}\n[the result was cut: these are the first {end} of its {} bytes]",
        &text[..end],
        text.len()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn text_joined_other_kinds_described() {
        let result = json!({"content": [
            {"type": "text", "text": "one"},
            {"type": "image", "data": "AAAA", "mimeType": "image/png"},
            {"type": "audio", "data": "AAAAAAAA", "mimeType": "audio/wav"},
            {"type": "resource", "resource": {"uri": "file:///a", "text": "inside"}},
            {"type": "resource", "resource": {"uri": "file:///b", "blob": "AAAA", "mimeType": "x/y"}},
            {"type": "resource_link", "uri": "file:///c", "name": "c"},
        ]});
        assert_eq!(
            result_text(&result),
            (
                "one\n[image: image/png, 3 bytes]\n[audio: audio/wav, 6 bytes]\n\
                 [resource file:///a]\ninside\n[resource file:///b: x/y, 3 bytes]\n\
                 [resource link c: file:///c]"
                    .to_string(),
                false
            )
        );
        let error = json!({"content": [{"type": "text", "text": "bad"}], "isError": true});
        assert_eq!(result_text(&error), ("bad".to_string(), true));
        let structured = json!({"content": [], "structuredContent": {"a": 1}});
        assert_eq!(result_text(&structured).0, r#"{"a":1}"#);
    }

    #[test]
    fn cut_at_a_character_boundary_with_a_note() {
        assert_eq!(cap("short".into(), 10), "short");
        let cut = cap("ééé".into(), 3);
        assert_eq!(
            cut,
            "é\n[the result was cut: these are the first 2 of its 6 bytes]"
        );
    }
}
