//! Reads a DynamoDB item into a Rust value with serde, straight from the
//! SDK's own `AttributeValue`s. `serde_dynamo::from_item` first copies the
//! whole item into its own attribute type (every map rebuilt and every key
//! hashed again); a full read of the table decodes every item once, so the
//! lifecycle reads ([`super::decode`]) take this shorter way. Same mapping
//! as serde_dynamo's: `S` strings (and enums' unit variants), `N` numbers,
//! `BOOL`, `NULL` for `None`/unit, `M` maps and structs, `L` lists, sets as
//! lists, `B` bytes. Writes stay with `serde_dynamo::to_item`.

use std::collections::HashMap;
use std::fmt;

use aws_sdk_dynamodb::types::AttributeValue;
use serde::de::{self, DeserializeOwned, IntoDeserializer, Visitor};

/// Why an item is not the value asked for (serde's sentence).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error(String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl de::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error(msg.to_string())
    }
}

/// The item as a `T`.
pub fn from_item<T: DeserializeOwned>(item: HashMap<String, AttributeValue>) -> Result<T, Error> {
    T::deserialize(Attribute(AttributeValue::M(item)))
}

/// One attribute value, read by serde.
struct Attribute(AttributeValue);

/// Reads an `N` attribute as the number type asked for.
macro_rules! number {
    ($($method:ident => $visit:ident: $ty:ty),* $(,)?) => {
        $(
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
                match self.0 {
                    AttributeValue::N(text) => match text.parse::<$ty>() {
                        Ok(n) => visitor.$visit(n),
                        Err(_) => Err(de::Error::custom(format_args!(
                            "{text:?} is not a number of type {}",
                            stringify!($ty)
                        ))),
                    },
                    other => de::Deserializer::deserialize_any(Attribute(other), visitor),
                }
            }
        )*
    };
}

impl<'de> de::Deserializer<'de> for Attribute {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            AttributeValue::S(text) => visitor.visit_string(text),
            AttributeValue::N(text) => any_number(&text, visitor),
            AttributeValue::Bool(b) => visitor.visit_bool(b),
            AttributeValue::Null(_) => visitor.visit_unit(),
            AttributeValue::M(map) => visitor.visit_map(Map {
                entries: map.into_iter(),
                value: None,
            }),
            AttributeValue::L(list) => visitor.visit_seq(Seq(list.into_iter())),
            AttributeValue::Ss(strings) => {
                visitor.visit_seq(Seq(strings.into_iter().map(AttributeValue::S)))
            }
            AttributeValue::Ns(numbers) => {
                visitor.visit_seq(Seq(numbers.into_iter().map(AttributeValue::N)))
            }
            AttributeValue::B(blob) => visitor.visit_byte_buf(blob.into_inner()),
            AttributeValue::Bs(blobs) => {
                visitor.visit_seq(Seq(blobs.into_iter().map(AttributeValue::B)))
            }
            _ => Err(de::Error::custom(
                "an attribute of a type this version does not know",
            )),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            AttributeValue::Null(_) => visitor.visit_none(),
            other => visitor.visit_some(Attribute(other)),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.0 {
            // A unit variant is its name.
            AttributeValue::S(name) => visitor.visit_enum(name.into_deserializer()),
            // Any other variant: a map of its name to its content.
            AttributeValue::M(map) if map.len() == 1 => {
                let Some((name, value)) = map.into_iter().next() else {
                    return Err(de::Error::custom("an empty map is not an enum variant"));
                };
                visitor.visit_enum(Variant { name, value })
            }
            other => Err(de::Error::custom(format_args!(
                "expected an enum variant (a string or a map of one entry), found {}",
                kind(&other)
            ))),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }

    number! {
        deserialize_u8 => visit_u8: u8,
        deserialize_u16 => visit_u16: u16,
        deserialize_u32 => visit_u32: u32,
        deserialize_u64 => visit_u64: u64,
        deserialize_u128 => visit_u128: u128,
        deserialize_i8 => visit_i8: i8,
        deserialize_i16 => visit_i16: i16,
        deserialize_i32 => visit_i32: i32,
        deserialize_i64 => visit_i64: i64,
        deserialize_i128 => visit_i128: i128,
        deserialize_f32 => visit_f32: f32,
        deserialize_f64 => visit_f64: f64,
    }

    serde::forward_to_deserialize_any! {
        bool char str string bytes byte_buf unit unit_struct seq tuple
        tuple_struct map struct identifier
    }
}

/// An `N` read without a type asked for: whole numbers as integers.
fn any_number<'de, V: Visitor<'de>>(text: &str, visitor: V) -> Result<V::Value, Error> {
    if let Ok(n) = text.parse::<u64>() {
        return visitor.visit_u64(n);
    }
    if let Ok(n) = text.parse::<i64>() {
        return visitor.visit_i64(n);
    }
    match text.parse::<f64>() {
        Ok(n) => visitor.visit_f64(n),
        Err(_) => Err(de::Error::custom(format_args!("{text:?} is not a number"))),
    }
}

/// The attribute type's name, for messages.
fn kind(value: &AttributeValue) -> &'static str {
    match value {
        AttributeValue::S(_) => "S",
        AttributeValue::N(_) => "N",
        AttributeValue::Bool(_) => "BOOL",
        AttributeValue::Null(_) => "NULL",
        AttributeValue::M(_) => "M",
        AttributeValue::L(_) => "L",
        AttributeValue::Ss(_) => "SS",
        AttributeValue::Ns(_) => "NS",
        AttributeValue::B(_) => "B",
        AttributeValue::Bs(_) => "BS",
        _ => "an unknown type",
    }
}

/// A map's entries, handed out key then value; the entries are moved, not copied.
struct Map {
    entries: std::collections::hash_map::IntoIter<String, AttributeValue>,
    value: Option<AttributeValue>,
}

impl<'de> de::MapAccess<'de> for Map {
    type Error = Error;

    fn next_key_seed<K: de::DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        let Some((key, value)) = self.entries.next() else {
            return Ok(None);
        };
        self.value = Some(value);
        seed.deserialize(Key(key)).map(Some)
    }

    fn next_value_seed<V: de::DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        match self.value.take() {
            Some(value) => seed.deserialize(Attribute(value)),
            None => Err(de::Error::custom(
                "a map value was asked for before its key",
            )),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

/// A map key: a struct's field name is compared in place, any other key is
/// handed over as the string it is.
struct Key(String);

impl<'de> de::Deserializer<'de> for Key {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_string(self.0)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_str(&self.0)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_enum(self.0.into_deserializer())
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct seq tuple tuple_struct map
        struct ignored_any
    }
}

/// A list's elements (or a set's members), moved out one by one.
struct Seq<I>(I);

impl<'de, I: ExactSizeIterator<Item = AttributeValue>> de::SeqAccess<'de> for Seq<I> {
    type Error = Error;

    fn next_element_seed<T: de::DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        self.0
            .next()
            .map(|value| seed.deserialize(Attribute(value)))
            .transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

/// An enum variant stored as a map of its name to its content.
struct Variant {
    name: String,
    value: AttributeValue,
}

impl<'de> de::EnumAccess<'de> for Variant {
    type Error = Error;
    type Variant = Attribute;

    fn variant_seed<V: de::DeserializeSeed<'de>>(
        self,
        seed: V,
    ) -> Result<(V::Value, Attribute), Error> {
        let name = seed.deserialize(Key(self.name))?;
        Ok((name, Attribute(self.value)))
    }
}

impl<'de> de::VariantAccess<'de> for Attribute {
    type Error = Error;

    fn unit_variant(self) -> Result<(), Error> {
        Ok(())
    }

    fn newtype_variant_seed<T: de::DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, Error> {
        seed.deserialize(self)
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, Error> {
        de::Deserializer::deserialize_any(self, visitor)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        de::Deserializer::deserialize_any(self, visitor)
    }
}

#[cfg(test)]
#[path = "item_de_tests.rs"]
mod tests;
