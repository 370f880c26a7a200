//! The Modelfile: parser, writer and model-file selection.
