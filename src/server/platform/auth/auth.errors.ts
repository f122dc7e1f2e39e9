import { defineErrors } from '../errors.js';

/**
 * The identity module's error catalogue. Messages are Chinese first with English, because the sign-in
 * page and the administration screens show them as they are.
 */
export const AuthErrors = defineErrors({
  INVALID_CREDENTIALS: [401, '用户名或密码错误，或账号已临时锁定 (Wrong username or password, or the account is locked for a while)'],
  ACCOUNT_LOCKED: [401, '连续登录失败次数过多，账号已暂时锁定，请稍后再试 (Too many failed sign-ins; the account is locked for a while)'],
  TOTP_REQUIRED: [401, '请输入身份验证器中的动态码 (Enter the code from your authenticator app)'],
  TOTP_INVALID: [401, '密码或动态码错误，或动态码已过期 (The password or the authenticator code is wrong, or the code has expired)'],
  TOTP_ALREADY_ENABLED: [409, '已启用双因素认证；如需更换请联系管理员重置 (Two-factor sign-in is already on; ask an administrator to reset it)'],
  TOTP_NOT_ENROLLED: [409, '请先开始绑定身份验证器 (Start authenticator enrolment first)'],
  TOTP_CONFIRM_FAILED: [422, '动态码不匹配，请检查手机时间后重试 (The code does not match; check the phone clock and try again)'],
  CURRENT_PASSWORD_WRONG: [422, '当前密码错误 (The current password is wrong)'],
  PASSWORD_TOO_WEAK: [422, '密码不符合要求 (The password does not meet the rules)'],
  USER_NOT_FOUND: [404, '用户不存在 (No such user)'],
  UNIT_NOT_FOUND: [404, '单位不存在 (No such unit)'],
  JURISDICTION_NOT_FOUND: [404, '辖区不存在 (No such jurisdiction)'],
  USERNAME_TAKEN: [409, '用户名已被使用 (The username is taken)'],
  UNIT_NAME_TAKEN: [409, '该辖区已有同名单位 (A unit of that name already exists in the jurisdiction)'],
  ROLE_NOT_GRANTABLE: [403, '无权授予该角色 (You may not grant that role)'],
  SELF_CHANGE_REFUSED: [422, '不能修改自己的角色、单位或状态 (You cannot change your own roles, unit or status)'],
  LAST_ADMIN: [409, '至少需要保留一名启用的系统管理员 (At least one active administrator must remain)'],
  UNIT_INACTIVE: [422, '该单位已停用 (The unit is deactivated)'],
  UNIT_HAS_ACTIVE_MEMBERS: [409, '该单位仍有启用的用户或下级单位，请先调整 (The unit still has active users or child units)'],
  UNIT_PARENT_INVALID: [422, '上级单位无效：须为启用的单位，辖区须包含本单位辖区，且不能形成循环 (Invalid parent unit)'],
  USER_ALREADY_ACTIVE: [409, '用户已是启用状态 (The user is already active)'],
  USER_ALREADY_INACTIVE: [409, '用户已是停用状态 (The user is already deactivated)'],
  UNIT_ALREADY_ACTIVE: [409, '单位已是启用状态 (The unit is already active)'],
  UNIT_ALREADY_INACTIVE: [409, '单位已是停用状态 (The unit is already deactivated)'],
  IMPORT_INVALID: [400, '导入文件有错误，未导入任何数据 (The import file has errors; nothing was imported)'],
  REAUTH_REQUIRED: [422, '请再次输入当前密码以确认 (Enter your current password again to confirm)'],
  IMPORT_UNREADABLE: [400, '无法读取导入文件，请使用 .xlsx 模板 (The file could not be read; use the .xlsx template)'],
});
