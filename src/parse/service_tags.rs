//! Azure's Service Tags file (`ServiceTags_Public_YYYYMMDD.json`, published weekly): a top-level
//! object whose `values` array holds one entry per tag, each with a `name` (`Storage`,
//! `Storage.WestEurope`) and `properties` carrying `region` (empty for a global tag),
//! `systemService` and `addressPrefixes` (IPv4 and IPv6 CIDR strings). Other fields
//! (`changeNumber`, `cloud`, `id`, `platform`, `networkFeatures`...) are accepted and ignored.
//! Pure: the caller reads the file.

use serde::Deserialize;

use crate::firewall::addr::Range;

/// A file that does not have the published shape.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ServiceTagsError {
    #[error("not a Service Tags file: {0}")]
    Json(String),
    #[error("tag {tag}: address prefix {prefix:?} is not an IP prefix")]
    Prefix { tag: String, prefix: String },
    #[error("the file lists no tags (its \"values\" array is empty)")]
    Empty,
}

/// One tag with its address ranges.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag {
    pub name: String,
    /// The region as the file writes it (`westeurope`); empty for a global tag.
    pub region: String,
    pub system_service: String,
    pub prefixes: Vec<Range>,
}

/// The whole file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ServiceTags {
    /// `changeNumber` of the file, to say which edition was used.
    pub change_number: Option<u64>,
    pub cloud: String,
    pub tags: Vec<Tag>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawFile {
    change_number: Option<u64>,
    #[serde(default)]
    cloud: String,
    values: Vec<RawValue>,
}

#[derive(Deserialize)]
struct RawValue {
    name: String,
    properties: RawProperties,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawProperties {
    #[serde(default)]
    region: String,
    #[serde(default)]
    system_service: String,
    address_prefixes: Vec<String>,
}

/// A region name compared loosely: `West Europe`, `westeurope` and `west-europe` are one.
pub fn region_key(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

impl ServiceTags {
    pub fn parse(text: &str) -> Result<ServiceTags, ServiceTagsError> {
        let raw: RawFile =
            serde_json::from_str(text).map_err(|e| ServiceTagsError::Json(e.to_string()))?;
        if raw.values.is_empty() {
            return Err(ServiceTagsError::Empty);
        }
        let mut tags = Vec::with_capacity(raw.values.len());
        for v in raw.values {
            let prefixes = v
                .properties
                .address_prefixes
                .iter()
                .map(|p| {
                    Range::parse(p).ok_or_else(|| ServiceTagsError::Prefix {
                        tag: v.name.clone(),
                        prefix: p.clone(),
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            tags.push(Tag {
                name: v.name,
                region: v.properties.region,
                system_service: v.properties.system_service,
                prefixes,
            });
        }
        Ok(ServiceTags {
            change_number: raw.change_number,
            cloud: raw.cloud,
            tags,
        })
    }

    /// The tag of `service` for `region` (`Storage` in `westeurope` is `Storage.WestEurope`),
    /// or the global tag of the service when no region is given or the service has none.
    pub fn find(&self, service: &str, region: Option<&str>) -> Option<&Tag> {
        let of_service = |t: &&Tag| {
            t.system_service.eq_ignore_ascii_case(service)
                || t.name.eq_ignore_ascii_case(service)
                || t.name
                    .split_once('.')
                    .is_some_and(|(s, _)| s.eq_ignore_ascii_case(service))
        };
        if let Some(r) = region {
            let want = region_key(r);
            if let Some(t) = self
                .tags
                .iter()
                .filter(of_service)
                .find(|t| !t.region.is_empty() && region_key(&t.region) == want)
            {
                return Some(t);
            }
            // A regional tag may be named but carry no region property.
            if let Some(t) = self.tags.iter().filter(of_service).find(|t| {
                t.name
                    .split_once('.')
                    .is_some_and(|(_, reg)| region_key(reg) == want)
            }) {
                return Some(t);
            }
        }
        self.tags
            .iter()
            .find(|t| t.name.eq_ignore_ascii_case(service))
    }

    /// Whether any tag is of `region`.
    pub fn has_region(&self, region: &str) -> bool {
        let want = region_key(region);
        self.tags.iter().any(|t| region_key(&t.region) == want)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::firewall::Family;

    /// The published shape: global and regional tags, IPv4 and IPv6 prefixes, extra fields.
    const SAMPLE: &str = r#"{
  "changeNumber": 312,
  "cloud": "Public",
  "values": [
    {
      "name": "AzureSiteRecovery",
      "id": "AzureSiteRecovery",
      "properties": {
        "changeNumber": 40,
        "region": "",
        "regionId": 0,
        "platform": "Azure",
        "systemService": "AzureSiteRecovery",
        "addressPrefixes": ["198.51.100.0/26", "203.0.113.0/28", "2001:db8:100::/48"],
        "networkFeatures": ["API", "NSG", "UDR", "FW"]
      }
    },
    {
      "name": "AzureSiteRecovery.WestEurope",
      "id": "AzureSiteRecovery.WestEurope",
      "properties": {
        "changeNumber": 7,
        "region": "westeurope",
        "regionId": 18,
        "platform": "Azure",
        "systemService": "AzureSiteRecovery",
        "addressPrefixes": ["198.51.100.16/28", "2001:db8:100:1::/64"],
        "networkFeatures": ["API", "NSG"]
      }
    }
  ]
}"#;

    #[test]
    fn regional_and_global() {
        let t = ServiceTags::parse(SAMPLE).unwrap();
        assert_eq!(t.change_number, Some(312));
        let we = t.find("AzureSiteRecovery", Some("West Europe")).unwrap();
        assert_eq!(we.name, "AzureSiteRecovery.WestEurope");
        assert_eq!(we.prefixes.len(), 2);
        assert_eq!(we.prefixes[1].family, Family::V6);
        // No tag for the region: the global one.
        let g = t.find("AzureSiteRecovery", Some("eastus")).unwrap();
        assert_eq!(g.name, "AzureSiteRecovery");
        assert!(t.find("Storage", None).is_none());
        assert!(t.has_region("westeurope") && !t.has_region("eastus"));
    }

    /// Malformed files name what is wrong.
    #[test]
    fn malformed() {
        assert!(matches!(
            ServiceTags::parse("{\"values\": [{\"name\": \"x\"}]}"),
            Err(ServiceTagsError::Json(_))
        ));
        assert_eq!(
            ServiceTags::parse("{\"values\": []}"),
            Err(ServiceTagsError::Empty)
        );
        let bad = SAMPLE.replace("198.51.100.16/28", "198.51.100.16/99");
        assert_eq!(
            ServiceTags::parse(&bad),
            Err(ServiceTagsError::Prefix {
                tag: "AzureSiteRecovery.WestEurope".into(),
                prefix: "198.51.100.16/99".into()
            })
        );
        assert!(ServiceTags::parse("[1,2]").is_err());
    }
}
