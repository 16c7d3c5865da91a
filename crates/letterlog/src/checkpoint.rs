//! C2SP tlog-checkpoint bodies: `<origin>\n<size>\n<base64 root>\n` and optional
//! extension lines.

use crate::hash::Hash;
use crate::index::TreeSize;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub origin: String,
    pub size: TreeSize,
    pub root: Hash,
    pub extensions: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    #[error("a checkpoint needs an origin line, a size line and a root line")]
    MissingLines,
    #[error("the origin line is empty")]
    EmptyOrigin,
    #[error("the size is not a decimal number without leading zeros")]
    BadSize,
    #[error("the root is not a base64 SHA-256 hash")]
    BadRoot,
    #[error("an extension line is empty")]
    EmptyExtension,
}

impl Checkpoint {
    pub fn new(origin: &str, size: TreeSize, root: Hash) -> Self {
        Self { origin: origin.to_owned(), size, root, extensions: Vec::new() }
    }

    /// The note text of this checkpoint.
    pub fn to_text(&self) -> String {
        let mut text = format!("{}\n{}\n{}\n", self.origin, self.size.get(), self.root.to_base64());
        for extension in &self.extensions {
            text.push_str(extension);
            text.push('\n');
        }
        text
    }

    /// Parses the text of an opened note.
    pub fn parse(text: &str) -> Result<Self, CheckpointError> {
        let body = text.strip_suffix('\n').ok_or(CheckpointError::MissingLines)?;
        let mut lines = body.split('\n');
        let (origin, size, root) = match (lines.next(), lines.next(), lines.next()) {
            (Some(o), Some(s), Some(r)) => (o, s, r),
            _ => return Err(CheckpointError::MissingLines),
        };
        if origin.is_empty() {
            return Err(CheckpointError::EmptyOrigin);
        }
        let size_ok = !size.is_empty()
            && size.bytes().all(|b| b.is_ascii_digit())
            && (size == "0" || !size.starts_with('0'));
        let size: u64 = if size_ok {
            size.parse().map_err(|_| CheckpointError::BadSize)?
        } else {
            return Err(CheckpointError::BadSize);
        };
        let root = Hash::from_base64(root).map_err(|_| CheckpointError::BadRoot)?;
        let extensions: Vec<String> = lines.map(str::to_owned).collect();
        if extensions.iter().any(String::is_empty) {
            return Err(CheckpointError::EmptyExtension);
        }
        Ok(Self { origin: origin.to_owned(), size: TreeSize::new(size), root, extensions })
    }
}
