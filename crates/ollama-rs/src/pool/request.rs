//! The requests and responses of a batch.

use serde::Serialize;

use crate::{
    ChatRequest, ChatResponse, Client, EmbedRequest, EmbedResponse, GenerateRequest,
    GenerateResponse, Result,
};

/// One request of a batch: the endpoint and its request.
#[derive(Debug, Clone, PartialEq)]
pub enum BatchRequest {
    /// `/api/generate`.
    Generate(GenerateRequest),
    /// `/api/chat`.
    Chat(ChatRequest),
    /// `/api/embed`.
    Embed(EmbedRequest),
}

impl BatchRequest {
    /// The model the request is for.
    pub fn model(&self) -> &str {
        match self {
            BatchRequest::Generate(r) => &r.model,
            BatchRequest::Chat(r) => &r.model,
            BatchRequest::Embed(r) => &r.model,
        }
    }

    /// The endpoint's short name: `generate`, `chat` or `embed`.
    pub fn endpoint(&self) -> &'static str {
        match self {
            BatchRequest::Generate(_) => "generate",
            BatchRequest::Chat(_) => "chat",
            BatchRequest::Embed(_) => "embed",
        }
    }

    pub(super) async fn send(self, client: &Client) -> Result<BatchResponse> {
        match self {
            BatchRequest::Generate(r) => client.generate(r).await.map(BatchResponse::Generate),
            BatchRequest::Chat(r) => client.chat(r).await.map(BatchResponse::Chat),
            BatchRequest::Embed(r) => client.embed(r).await.map(BatchResponse::Embed),
        }
    }
}

impl From<GenerateRequest> for BatchRequest {
    fn from(r: GenerateRequest) -> Self {
        BatchRequest::Generate(r)
    }
}

impl From<ChatRequest> for BatchRequest {
    fn from(r: ChatRequest) -> Self {
        BatchRequest::Chat(r)
    }
}

impl From<EmbedRequest> for BatchRequest {
    fn from(r: EmbedRequest) -> Self {
        BatchRequest::Embed(r)
    }
}

/// The answer to a [`BatchRequest`], of the same endpoint. It serializes as
/// the server's response object itself.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum BatchResponse {
    /// `/api/generate`.
    Generate(GenerateResponse),
    /// `/api/chat`.
    Chat(ChatResponse),
    /// `/api/embed`.
    Embed(EmbedResponse),
}
