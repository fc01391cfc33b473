import { Center, Loader, Table, Text, type MantineSpacing } from '@mantine/core';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';

// ListTable is the list screens' table with its three other states: a
// loader before the first answer, a sentence when there is nothing to list,
// and the rows (dimmed while a new page or filter loads).
export function ListTable<T>({
  items,
  loading,
  empty,
  testid,
  emptyTestid,
  minWidth,
  mt = 'lg',
  striped = false,
  head,
  row,
}: {
  items: T[] | null;
  loading: boolean;
  empty: ReactNode;
  testid: string;
  emptyTestid: string;
  minWidth: number;
  mt?: MantineSpacing;
  striped?: boolean;
  head: ReactNode; // the header row's cells
  row: (item: T) => ReactNode; // one Table.Tr, with its key
}) {
  const { t } = useTranslation();
  if (items === null) {
    return loading ? (
      <Center py="xl">
        <Loader size="sm" aria-label={t('common.loading')} />
      </Center>
    ) : null;
  }
  if (items.length === 0) {
    return (
      <Text c="dimmed" ta="center" py="xl" data-testid={emptyTestid}>
        {empty}
      </Text>
    );
  }
  return (
    <Table.ScrollContainer minWidth={minWidth} mt={mt}>
      <Table
        verticalSpacing="sm"
        striped={striped}
        highlightOnHover
        style={loading ? { opacity: 0.6 } : undefined}
        data-testid={testid}
      >
        <Table.Thead>
          <Table.Tr>{head}</Table.Tr>
        </Table.Thead>
        <Table.Tbody>{items.map(row)}</Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
