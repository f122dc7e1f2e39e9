import { App, Form, Input, Modal, Radio, Select, Space } from 'antd';
import { useRef, useState } from 'react';
import type { ContactBody, ContactCategory, ContactDto } from '../../../../common/cases.js';
import { useI18n } from '../../../app/i18n.js';
import { useAction } from '../../../app/use-action.js';
import { useErrorText } from '../../../components/error-alert.js';
import { personsApi, type Person } from '../../persons/api.js';
import { JurisdictionSearch } from '../../../components/jurisdiction-search.js';
import { casesApi } from '../api.js';
import { exactIdentifierKind } from '../../../../common/person-search.js';
import { CASE_LIMITS } from '../../../../common/cases.js';

/** The purpose journaled when a contact is looked up by a full ID or mobile number. */
const CONTACT_SEARCH_PURPOSE = '流调判定密切接触者，按证件号码查找 · Tracing a close contact by document number';

type Who = 'existing' | 'nonResident' | 'outside';

interface Values {
  category: ContactCategory;
  exposureDate: string;
  exposurePlace?: string;
  relation?: string;
  who: Who;
  personId?: string;
  name?: string;
  idType?: 'resident_id' | 'passport' | 'hk_macao_tw';
  idNumber?: string;
  phone?: string;
  birthDate?: string;
  sex?: 'male' | 'female';
  jurisdictionId?: string;
  regionOfOrigin?: string;
  region?: string;
  note?: string;
}

/** A person picker: type a full ID or phone number (matched exactly) or a name; shows masked numbers only. */
function PersonSearch({ value, onChange }: { value?: string; onChange?: (id: string) => void }) {
  const { t } = useI18n();
  const [options, setOptions] = useState<Person[]>([]);
  const [loading, setLoading] = useState(false);
  const seq = useRef(0);
  return (
    <Select
      showSearch={{
        filterOption: false,
        onSearch: async (q: string) => {
          const n = ++seq.current;
          if (q.trim().length < 2) return setOptions([]);
          setLoading(true);
          try {
            // A full ID or mobile number is a disclosure: the server journals it with this purpose.
            const r = await personsApi.list({ q: q.trim(), pageSize: 20, purpose: exactIdentifierKind(q) ? CONTACT_SEARCH_PURPOSE : undefined });
            if (n === seq.current) setOptions(r.items);
          } finally {
            if (n === seq.current) setLoading(false);
          }
        },
      }}
      value={value}
      onChange={onChange}
      loading={loading}
      placeholder={t('cases.contact.search')}
      notFoundContent={null}
      data-testid="contact-person"
      options={options.map((p) => ({ value: p.id, label: `${p.name} · ${p.idNumberMasked} · ${p.location.text}` }))}
    />
  );
}

/**
 * Adds a close or secondary contact to a case: a person found by ID/phone/name, a non-resident
 * registered inline (with region of origin and place of stay), or someone living outside the city
 * (becomes an outgoing 协查 request). The server routes control through the status guard.
 */
export function AddContactModal({ caseId, open, onCancel, onDone }: { caseId: string; open: boolean; onCancel(): void; onDone(c: ContactDto): void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const errorText = useErrorText();
  const [form] = Form.useForm<Values>();
  const who = Form.useWatch('who', form) ?? 'existing';
  const add = useAction((body: ContactBody) => casesApi.addContact(caseId, body), { onError: (err) => message.error(errorText(err)) });
  const busy = add.busy;

  const submit = async () => {
    const v = await form.validateFields();
    const body: ContactBody = {
      category: v.category,
      exposureDate: v.exposureDate,
      exposurePlace: v.exposurePlace?.trim() || null,
      relation: v.relation?.trim() || null,
    };
    if (v.who === 'existing') body.personId = v.personId;
    else if (v.who === 'nonResident')
      body.newPerson = {
        name: v.name!.trim(),
        idType: v.idType!,
        idNumber: v.idNumber!.trim(),
        phone: v.phone?.trim() || null,
        birthDate: v.birthDate!,
        sex: v.sex!,
        jurisdictionId: v.jurisdictionId!,
        regionOfOrigin: v.regionOfOrigin?.trim() || null,
      };
    else body.outsideCity = { region: v.region!.trim(), name: v.name!.trim(), note: v.note?.trim() || null };
    const c = await add.run(body);
    if (c === undefined) return;
    message.success(t('cases.contact.added'));
    onDone(c);
  };

  const req = [{ required: true, whitespace: true, message: t('common.required') }];
  return (
    <Modal
      open={open}
      title={t('cases.addContact')}
      onCancel={onCancel}
      onOk={submit}
      okButtonProps={{ loading: busy, 'data-testid': 'contact-submit' } as never}
      okText={t('common.submit')}
      cancelText={t('common.cancel')}
      destroyOnHidden
      width={620}
    >
      <Form
        form={form}
        layout="vertical"
        preserve={false}
        initialValues={{ category: 'close', who: 'existing', idType: 'resident_id', sex: 'male' }}
        data-testid="contact-form"
      >
        <Space wrap align="start">
          <Form.Item name="category" label={t('cases.contact.category')} rules={[{ required: true }]}>
            <Radio.Group optionType="button" options={(['close', 'secondary'] as const).map((c) => ({ value: c, label: t(`cases.category.${c}`) }))} />
          </Form.Item>
          <Form.Item name="exposureDate" label={t('cases.contact.exposureDate')} rules={req}>
            <Input type="date" data-testid="contact-exposure-date" />
          </Form.Item>
        </Space>
        <Space wrap align="start">
          <Form.Item name="exposurePlace" label={t('cases.contact.exposurePlace')}>
            <Input maxLength={CASE_LIMITS.exposurePlace} style={{ width: 260 }} />
          </Form.Item>
          <Form.Item name="relation" label={t('cases.contact.relation')}>
            <Input maxLength={CASE_LIMITS.relation} style={{ width: 200 }} data-testid="contact-relation" />
          </Form.Item>
        </Space>
        <Form.Item name="who" label={t('cases.contact.who')}>
          <Radio.Group
            data-testid="contact-who"
            options={[
              { value: 'existing', label: t('cases.contact.existing') },
              { value: 'nonResident', label: t('cases.contact.nonResident') },
              { value: 'outside', label: t('cases.contact.outside') },
            ]}
          />
        </Form.Item>
        {who === 'existing' && (
          <Form.Item name="personId" label={t('cases.contact.who')} rules={[{ required: true, message: t('common.required') }]}>
            <PersonSearch />
          </Form.Item>
        )}
        {who === 'nonResident' && (
          <>
            <Space wrap align="start">
              <Form.Item name="name" label={t('cases.name')} rules={req}>
                <Input maxLength={CASE_LIMITS.personName} data-testid="np-name" />
              </Form.Item>
              <Form.Item name="idType" label={t('cases.contact.idType')} rules={[{ required: true }]}>
                <Select
                  style={{ width: 160 }}
                  options={(['resident_id', 'passport', 'hk_macao_tw'] as const).map((k) => ({ value: k, label: t(`cases.contact.idType.${k}`) }))}
                />
              </Form.Item>
              <Form.Item name="idNumber" label={t('cases.contact.idNumber')} rules={req}>
                <Input maxLength={CASE_LIMITS.idNumber} style={{ width: 220 }} data-testid="np-id" />
              </Form.Item>
            </Space>
            <Space wrap align="start">
              <Form.Item name="birthDate" label={t('cases.contact.birthDate')} rules={req}>
                <Input type="date" data-testid="np-birth" />
              </Form.Item>
              <Form.Item name="sex" label={t('cases.contact.sex')} rules={[{ required: true }]}>
                <Radio.Group options={(['male', 'female'] as const).map((s) => ({ value: s, label: t(`cases.contact.sex.${s}`) }))} />
              </Form.Item>
              <Form.Item name="phone" label={t('cases.contact.phone')}>
                <Input maxLength={CASE_LIMITS.phone} />
              </Form.Item>
            </Space>
            <Form.Item name="jurisdictionId" label={t('cases.contact.stay')} rules={[{ required: true, message: t('common.required') }]}>
              <JurisdictionSearch levels={['compound', 'building', 'entrance']} data-testid="np-stay" />
            </Form.Item>
            <Form.Item name="regionOfOrigin" label={t('cases.contact.regionOfOrigin')}>
              <Input maxLength={CASE_LIMITS.region} data-testid="np-origin" />
            </Form.Item>
          </>
        )}
        {who === 'outside' && (
          <Space wrap align="start">
            <Form.Item name="name" label={t('cases.name')} rules={req}>
              <Input maxLength={CASE_LIMITS.personName} />
            </Form.Item>
            <Form.Item name="region" label={t('cases.contact.region')} rules={req}>
              <Input maxLength={CASE_LIMITS.region} />
            </Form.Item>
            <Form.Item name="note" label={t('cases.contact.note')}>
              <Input maxLength={CASE_LIMITS.note} />
            </Form.Item>
          </Space>
        )}
      </Form>
    </Modal>
  );
}
