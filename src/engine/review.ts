/** The review flow's item list: every image of a dataset with its labelling status. */
import { ListItemsResult, statusOf } from '../core/review';
import { openDataset } from './dataset';

export async function listItems(root: string): Promise<ListItemsResult> {
  const dataset = await openDataset(root);
  return { items: dataset.items.map((item) => ({ key: item.key, image: item.image, status: statusOf(item) })) };
}
