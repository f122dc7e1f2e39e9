import type { Pair } from '../i18n-pair.js';

/**
 * UI words of control review records (研判记录) and of the testing module's door-to-door channel
 * and pool modes, [Chinese, English].
 */
export const CONTROL_REVIEW_MESSAGES = {
  'control.review.title': ['研判记录', 'Review records'],
  'control.review.hint': [
    '以"人工研判"为依据的管控变更，必须引用一份经第二人审批的研判记录（2022年6月河南储户被赋红码，正是没有任何研判依据）',
    "A change resting on a manual review must cite a review record approved by a second person (in June 2022 Henan turned depositors' codes red with no review at all)",
  ],
  'control.review.new': ['新建研判记录', 'New review record'],
  'control.review.subject': ['研判对象', 'Subject'],
  'control.review.reason': ['研判理由', 'Reason'],
  'control.review.evidence': ['证据材料', 'Evidence'],
  'control.review.reviewer': ['研判人', 'Reviewer'],
  'control.review.createdAt': ['研判时间', 'Written'],
  'control.review.status.pending': ['待审批', 'Pending'],
  'control.review.status.approved': ['已批准', 'Approved'],
  'control.review.status.rejected': ['已驳回', 'Rejected'],
  'control.review.approve': ['批准', 'Approve'],
  'control.review.reject': ['驳回', 'Reject'],
  'control.review.rejectTitle': ['驳回研判记录', 'Reject the review record'],
  'control.review.approved': ['研判记录已批准，可作为管控依据', 'Approved: the record may now be cited'],
  'control.review.created': ['研判记录已提交，等待第二人审批', 'Review record submitted; it waits for a second person'],
  'control.review.rejected': ['研判记录已驳回', 'Review record rejected'],
  'control.review.own': ['本人研判', 'Your own review'],
  'control.review.decidedBy': ['审批人', 'Decided by'],
  'control.review.pick': ['选择已批准的研判记录', 'Pick an approved review record'],
  'control.review.none': ['暂无已批准的研判记录：请先新建研判记录并由第二人审批', 'No approved review record: write one and have a second person approve it'],
  'control.review.selfApproval': ['研判记录须由研判人以外的第二人审批', 'A review record must be approved by a second person, not its reviewer'],
  'control.review.notApproved': ['人工研判依据必须是本辖区内已批准的研判记录', 'A manual review basis must be an approved review record in your jurisdiction'],
  'control.review.notPending': ['该研判记录已被处理', 'This review record has already been decided'],
  'control.review.invalid': ['研判对象、理由和证据均需填写（至少4个字）', 'Subject, reason and evidence are required (at least 4 characters each)'],

  'testing.doorToDoor': ['上门采样', 'Door-to-door'],
  'testing.doorToDoorTarget': ['应上门采样', 'To sample at home'],
  'testing.doorToDoorDone': ['已上门采样', 'Sampled at home'],
  'testing.doorToDoorHint': [
    '封控区居民足不出户，全部纳入检测，上门采样，不予豁免',
    'Residents of sealed areas stay at home: all are tested, at their door, never exempted',
  ],
  'testing.poolMode': ['混采方式', 'Pool mode'],
  'testing.poolMode.0': ['1户1管', 'One tube per household'],
  'testing.poolMode.1': ['单管单检', 'Single tube'],
  'testing.poolMode.5': ['5合1混采', '5-in-1 pool'],
  'testing.poolMode.10': ['10合1混采', '10-in-1 pool'],
  'testing.poolMode.20': ['20合1混采', '20-in-1 pool'],
  'testing.poolFromArea': ['按风险区', 'From the risk area'],
  'testing.sealedPoolMode': ['封控区采样方式', 'Sampling in sealed areas'],
  'testing.sealedPoolModeHint': [
    '风险区内混采方式取自风险区：封控区1户1管或单管、管控区10合1、其他地区20合1；封控区居民不予豁免，上门采样',
    'Inside risk areas the pool mode comes from the area: sealed 1 tube per household or single, controlled 10-in-1, elsewhere 20-in-1; sealed residents are never exempted and are sampled at their door',
  ],
  'testing.heldAtDoor': ['阳性混管居家等待人数', 'Held at their door'],
  'testing.sensitivity': ['相对灵敏度', 'Relative sensitivity'],
  'testing.localParameter': ['本地参数', 'Local parameter'],
  'testing.rankCombined': ['综合排名', 'Combined rank'],
  'testing.area.none': ['不指定风险区', 'No risk area'],
  'testing.area.elsewhere': ['风险区以外地区', 'Outside risk areas'],
} as const satisfies Record<string, Pair>;
