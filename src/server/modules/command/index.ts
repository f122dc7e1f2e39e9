/**
 * The command module as other code sees it. So far the pure part: directives extracted from a
 * meeting report (directives.ts). SLA rules, supervision orders, scorecards and meetings come next.
 */
export { DIRECTIVE_CATEGORIES, extractDirectives, HQ_UNIT, placeResolverFromNames, proposeDeadline, type Directive, type PlaceRef } from './directives.js';
