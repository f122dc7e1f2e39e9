/**
 * Geography and population vocabulary that the server and the web both use: jurisdiction levels and
 * kinds and the person/household enums (values only; the population module has no common file of its
 * own yet, so they live here beside the geography they hang from). The response shapes are the zod
 * schemas in geo.schemas.ts and population.schemas.ts, re-exported here type-only.
 */

/** Levels of the administrative tree, top down. A node's children are one level below it. */
export const JURISDICTION_LEVELS = ['city', 'district', 'street', 'community', 'compound', 'building', 'entrance'] as const;
export type JurisdictionLevel = (typeof JURISDICTION_LEVELS)[number];

/** Level labels, Chinese first. */
export const LEVEL_LABELS: Record<JurisdictionLevel, { zh: string; en: string }> = {
  city: { zh: '市', en: 'City' },
  district: { zh: '区/县/市', en: 'District / county' },
  street: { zh: '街道/乡镇', en: 'Street / township' },
  community: { zh: '社区/村', en: 'Community / village' },
  compound: { zh: '小区', en: 'Compound' },
  building: { zh: '楼栋', en: 'Building' },
  entrance: { zh: '单元', en: 'Entrance' },
};

/**
 * The `kind` that refines a level:
 * - district: `district` 市辖区 · `county` 县 (incl. 自治县) · `county_city` 县级市 · `zone` 开发区/高新区
 * - street: `street` 街道 · `town` 镇 · `township` 乡 · `special` 特殊区域 (a statistical code 4xx/5xx: 坝区, 矿区, 试验区)
 * - community: `community` 社区 (urban) · `village` 村 (rural)
 * - compound: `urban` 小区 · `rural` 村民小组 (a cluster of scattered houses)
 * - building: `apartment` 楼栋 · `house` 农房
 */
export const JURISDICTION_KINDS = {
  city: ['city'],
  district: ['district', 'county', 'county_city', 'zone'],
  street: ['street', 'town', 'township', 'special'],
  community: ['community', 'village'],
  compound: ['urban', 'rural'],
  building: ['apartment', 'house'],
  entrance: ['entrance'],
} as const satisfies Record<JurisdictionLevel, readonly string[]>;

export const KIND_LABELS: Record<string, { zh: string; en: string }> = {
  city: { zh: '地级市', en: 'Prefecture-level city' },
  district: { zh: '市辖区', en: 'District' },
  county: { zh: '县', en: 'County' },
  county_city: { zh: '县级市', en: 'County-level city' },
  zone: { zh: '开发区', en: 'Development zone' },
  street: { zh: '街道', en: 'Street' },
  town: { zh: '镇', en: 'Town' },
  township: { zh: '乡', en: 'Township' },
  special: { zh: '特殊区域', en: 'Special area' },
  community: { zh: '社区', en: 'Community' },
  village: { zh: '村', en: 'Village' },
  urban: { zh: '小区', en: 'Compound' },
  rural: { zh: '村民小组', en: 'Village group' },
  apartment: { zh: '楼栋', en: 'Apartment building' },
  house: { zh: '农房', en: 'House' },
  entrance: { zh: '单元', en: 'Entrance' },
};

// The jurisdiction DTO and the GeoJSON feature properties are the zod schemas' inferred types (geo.schemas.ts).
export type { JurisdictionDto, JurisdictionFeatureProperties } from '../server/modules/geo/geo.schemas.js';

/** The most features GET /api/geo/geojson returns; beyond it the collection says `truncated: true`. */
export const GEOJSON_FEATURE_CAP = 5000;

// ---------------------------------------------------------------------------------------------
// Population (persons and households)
// ---------------------------------------------------------------------------------------------

/** Identity document types. */
export const ID_TYPES = ['resident_id', 'passport', 'hk_macao_tw'] as const;
export type IdType = (typeof ID_TYPES)[number];
export const ID_TYPE_LABELS: Record<IdType, { zh: string; en: string }> = {
  resident_id: { zh: '居民身份证', en: 'Resident ID card' },
  passport: { zh: '护照', en: 'Passport' },
  hk_macao_tw: { zh: '港澳台居民证件', en: 'Hong Kong/Macao/Taiwan permit' },
};

export const SEXES = ['male', 'female'] as const;
export type Sex = (typeof SEXES)[number];

/**
 * Vulnerability flags. The order is stored (bit i of `persons.vulnerable_flags` is flag i):
 * append new flags at the end, never reorder.
 */
export const VULNERABLE_FLAGS = ['elderly_alone', 'pregnant', 'dialysis', 'bedridden', 'chronic', 'child_without_carer'] as const;
export type VulnerableFlag = (typeof VULNERABLE_FLAGS)[number];
export const VULNERABLE_LABELS: Record<VulnerableFlag, { zh: string; en: string }> = {
  elderly_alone: { zh: '独居老人', en: 'Elderly living alone' },
  pregnant: { zh: '孕产妇', en: 'Pregnant' },
  dialysis: { zh: '透析患者', en: 'Dialysis patient' },
  bedridden: { zh: '卧床', en: 'Bedridden' },
  chronic: { zh: '慢性病', en: 'Chronic illness' },
  child_without_carer: { zh: '无人照料儿童', en: 'Child without carer' },
};

// The person and household DTOs are the zod schemas' inferred types (population.schemas.ts).
export type { HouseholdDto, PersonDto } from '../server/modules/population/population.schemas.js';
