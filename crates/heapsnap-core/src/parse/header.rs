//! The `snapshot` header: column layout and counts, resolved by name from `snapshot.meta`.
//!
//! Producers differ (Node 20/22 write 7 node fields, Node 24 and d8 write 6, Chrome 2016 has no
//! `detachedness`, d8 2026 has 5 location fields), so nothing here is positional: every column
//! and every type number is looked up by its name.

use crate::error::{Error, Result, Section};
use serde_json::Value;

/// Node type numbers, resolved from `meta.node_types[0]`; `NONE` where the producer lacks the type.
#[derive(Debug, Clone)]
pub struct NodeTypes {
  pub names: Vec<String>,
  pub hidden: u8,
  pub array: u8,
  pub string: u8,
  pub object: u8,
  pub code: u8,
  pub closure: u8,
  pub regexp: u8,
  pub number: u8,
  pub native: u8,
  pub synthetic: u8,
  pub cons_string: u8,
  pub sliced_string: u8,
}

/// Edge type numbers, resolved from `meta.edge_types[0]`.
#[derive(Debug, Clone)]
pub struct EdgeTypes {
  pub names: Vec<String>,
  pub context: u8,
  pub element: u8,
  pub property: u8,
  pub internal: u8,
  pub hidden: u8,
  pub shortcut: u8,
  pub weak: u8,
}

pub const NONE: u8 = u8::MAX;

#[derive(Debug, Clone)]
pub struct Meta {
  pub node_fields: Vec<String>,
  pub edge_fields: Vec<String>,
  pub location_fields: Vec<String>,
  pub node_types: NodeTypes,
  pub edge_types: EdgeTypes,
  pub node_count: Option<u64>,
  pub edge_count: Option<u64>,
  pub trace_function_count: u64,
  pub extra_native_bytes: u64,
  pub root_index: Option<u64>,
}

fn find(list: &[String], name: &str) -> u8 {
  list
    .iter()
    .position(|s| s == name)
    .map(|p| p as u8)
    .unwrap_or(NONE)
}

fn str_list(v: Option<&Value>, what: &'static str) -> Result<Vec<String>> {
  let arr = v.and_then(|v| v.as_array()).ok_or_else(|| {
    Error::parse(
      Section::Meta(what),
      None,
      format!("meta.{what} is missing or not an array"),
    )
  })?;
  arr
    .iter()
    .map(|x| {
      x.as_str().map(str::to_string).ok_or_else(|| {
        Error::parse(
          Section::Meta(what),
          None,
          format!("meta.{what} holds a non-string"),
        )
      })
    })
    .collect()
}

fn count(v: &Value, key: &'static str) -> Result<Option<u64>> {
  match v.get(key) {
    None | Some(Value::Null) => Ok(None),
    Some(x) => x.as_u64().map(Some).ok_or_else(|| {
      Error::parse(
        Section::HeaderField(key),
        None,
        format!("snapshot.{key} is not an unsigned integer"),
      )
    }),
  }
}

impl Meta {
  /// Reads the header object; `offset` is where it starts in the file (for messages).
  pub fn from_header(header: &Value, offset: u64) -> Result<Meta> {
    let meta = header.get("meta").ok_or_else(|| {
      Error::parse(
        Section::HeaderField("meta"),
        Some(offset),
        "the snapshot header has no meta",
      )
    })?;
    let node_fields = str_list(meta.get("node_fields"), "node_fields")?;
    let edge_fields = str_list(meta.get("edge_fields"), "edge_fields")?;
    let location_fields = match meta.get("location_fields") {
      None => Vec::new(),
      v => str_list(v, "location_fields")?,
    };
    for (list, name, what) in [
      (&node_fields, "type", "node_fields"),
      (&node_fields, "name", "node_fields"),
      (&node_fields, "id", "node_fields"),
      (&node_fields, "self_size", "node_fields"),
      (&node_fields, "edge_count", "node_fields"),
      (&edge_fields, "type", "edge_fields"),
      (&edge_fields, "name_or_index", "edge_fields"),
      (&edge_fields, "to_node", "edge_fields"),
    ] {
      if !list.iter().any(|f| f == name) {
        return Err(Error::parse(
          Section::Meta(what),
          Some(offset),
          format!("meta.{what} has no '{name}' column: {list:?}"),
        ));
      }
    }
    let type_list = |key: &'static str, fields: &[String]| -> Result<Vec<String>> {
      let pos = fields.iter().position(|f| f == "type").unwrap_or(0);
      let lists = meta
        .get(key)
        .and_then(|v| v.as_array())
        .ok_or_else(|| Error::parse(Section::Meta(key), Some(offset), format!("meta.{key} is missing")))?;
      let names = str_list(lists.get(pos), key)?;
      if names.len() >= NONE as usize {
        return Err(Error::parse(Section::Meta(key), Some(offset), "too many types"));
      }
      Ok(names)
    };
    let nt = type_list("node_types", &node_fields)?;
    let et = type_list("edge_types", &edge_fields)?;
    let node_types = NodeTypes {
      hidden: find(&nt, "hidden"),
      array: find(&nt, "array"),
      string: find(&nt, "string"),
      object: find(&nt, "object"),
      code: find(&nt, "code"),
      closure: find(&nt, "closure"),
      regexp: find(&nt, "regexp"),
      number: find(&nt, "number"),
      native: find(&nt, "native"),
      synthetic: find(&nt, "synthetic"),
      cons_string: find(&nt, "concatenated string"),
      sliced_string: find(&nt, "sliced string"),
      names: nt,
    };
    let edge_types = EdgeTypes {
      context: find(&et, "context"),
      element: find(&et, "element"),
      property: find(&et, "property"),
      internal: find(&et, "internal"),
      hidden: find(&et, "hidden"),
      shortcut: find(&et, "shortcut"),
      weak: find(&et, "weak"),
      names: et,
    };
    Ok(Meta {
      node_fields,
      edge_fields,
      location_fields,
      node_types,
      edge_types,
      node_count: count(header, "node_count")?,
      edge_count: count(header, "edge_count")?,
      trace_function_count: count(header, "trace_function_count")?.unwrap_or(0),
      extra_native_bytes: count(header, "extra_native_bytes")?.unwrap_or(0),
      root_index: count(header, "root_index")?,
    })
  }

  pub fn node_stride(&self) -> usize {
    self.node_fields.len()
  }
  pub fn edge_stride(&self) -> usize {
    self.edge_fields.len()
  }
}
