import { App, Button, Card, Form, Input, InputNumber, Modal, Radio, Space, Table, Tag } from 'antd';
import { useState } from 'react';
import type { PlaceDto } from '../../../../common/cases.js';
import { formatTime, PLATFORM_TZ } from '../../../app/format.js';
import { useI18n } from '../../../app/i18n.js';
import { useRemote } from '../../../app/use-remote.js';
import { ErrorAlert, useErrorText } from '../../../components/error-alert.js';
import { JurisdictionName } from '../../../components/jurisdiction-name.js';
import { JurisdictionSearch } from '../../../components/jurisdiction-search.js';
import { casesApi } from '../api.js';
import { CASE_LIMITS } from '../../../../common/cases.js';

/** `YYYY-MM-DDTHH:mm` in the city's zone (Asia/Shanghai, UTC+8 all year) → epoch ms. */
function localToMs(v: string): number {
  if (PLATFORM_TZ !== 'Asia/Shanghai') throw new Error('unsupported zone');
  return Date.parse(`${v}:00+08:00`);
}

/** 流调: the places and time windows a case visited, each a compound/building or coordinates snapped to the nearest one. */
export function PlacesCard({ caseId, canManage }: { caseId: string; canManage: boolean }) {
  const { t, lang } = useI18n();
  const { message } = App.useApp();
  const errorText = useErrorText();
  const list = useRemote((signal) => casesApi.places(caseId, signal), [caseId]);
  const [open, setOpen] = useState(false);
  const [form] = Form.useForm();
  const mode = Form.useWatch('mode', form) ?? 'node';
  return (
    <Card
      size="small"
      title={t('cases.places')}
      extra={
        canManage && (
          <Button size="small" onClick={() => setOpen(true)} data-testid="add-place">
            {t('cases.addPlace')}
          </Button>
        )
      }
      data-testid="places-card"
    >
      <ErrorAlert error={list.error} onRetry={list.reload} />
      <Table<PlaceDto>
        rowKey="id"
        size="small"
        pagination={false}
        loading={list.loading}
        dataSource={list.data?.items ?? []}
        locale={{ emptyText: t('cases.place.none') }}
        columns={[
          {
            title: t('cases.place.node'),
            key: 'n',
            render: (_: unknown, p) =>
              p.placePath ? (
                <Space size={4}>
                  <JurisdictionName path={p.placePath} />
                  {p.snapped && <Tag>{t('cases.place.snapped')}</Tag>}
                </Space>
              ) : p.location ? (
                p.location.join(', ')
              ) : (
                '—'
              ),
          },
          { title: t('cases.place.window'), key: 'w', render: (_: unknown, p) => `${formatTime(p.fromAt, lang)} – ${formatTime(p.toAt, lang)}` },
          { title: t('cases.place.description'), dataIndex: 'description', render: (v: string | null) => v ?? '—' },
        ]}
      />
      <Modal
        open={open}
        title={t('cases.addPlace')}
        destroyOnHidden
        onCancel={() => setOpen(false)}
        onOk={async () => {
          const v = await form.validateFields();
          try {
            await casesApi.addPlace(caseId, {
              ...(v.mode === 'node' ? { jurisdictionId: v.jurisdictionId } : { lng: v.lng, lat: v.lat }),
              description: v.description?.trim() || null,
              fromAt: localToMs(v.fromAt),
              toAt: localToMs(v.toAt),
            });
            setOpen(false);
            list.reload();
          } catch (err) {
            message.error(errorText(err));
          }
        }}
      >
        <Form form={form} layout="vertical" preserve={false} initialValues={{ mode: 'node' }}>
          <Form.Item name="mode">
            <Radio.Group
              optionType="button"
              options={[
                { value: 'node', label: t('cases.place.byNode') },
                { value: 'coords', label: t('cases.place.byCoords') },
              ]}
            />
          </Form.Item>
          {mode === 'node' ? (
            <Form.Item name="jurisdictionId" label={t('cases.place.node')} rules={[{ required: true, message: t('common.required') }]}>
              <JurisdictionSearch levels={['compound', 'building', 'entrance']} data-testid="place-node" />
            </Form.Item>
          ) : (
            <Space>
              <Form.Item name="lng" label={t('cases.place.lng')} rules={[{ required: true, message: t('common.required') }]}>
                <InputNumber min={-180} max={180} step={0.0001} style={{ width: 160 }} />
              </Form.Item>
              <Form.Item name="lat" label={t('cases.place.lat')} rules={[{ required: true, message: t('common.required') }]}>
                <InputNumber min={-90} max={90} step={0.0001} style={{ width: 160 }} />
              </Form.Item>
            </Space>
          )}
          <Space>
            <Form.Item name="fromAt" label={t('cases.place.window')} rules={[{ required: true, message: t('common.required') }]}>
              <Input type="datetime-local" />
            </Form.Item>
            <Form.Item
              name="toAt"
              label=" "
              dependencies={['fromAt']}
              rules={[
                { required: true, message: t('common.required') },
                ({ getFieldValue }) => ({
                  validator: (_, v) => (!v || !getFieldValue('fromAt') || v > getFieldValue('fromAt') ? Promise.resolve() : Promise.reject(new Error('>'))),
                }),
              ]}
            >
              <Input type="datetime-local" />
            </Form.Item>
          </Space>
          <Form.Item name="description" label={t('cases.place.description')}>
            <Input maxLength={CASE_LIMITS.placeDescription} />
          </Form.Item>
        </Form>
      </Modal>
    </Card>
  );
}
