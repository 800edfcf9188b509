/**
 * Support tickets for the nightly-batch demo: a few dozen typical messages,
 * each made unique by its ticket number, so every row is a document of its
 * own (the emulator sends a repeated text only once per statement, which
 * would hide the batching).
 */

const MESSAGES: readonly string[] = [
  'Thanks for the quick fix, the new dashboard works great.',
  'I love the latest update, your support team was very helpful.',
  'Excellent service, the migration went smoothly and everyone is happy.',
  'Great job on the release, exports are much faster now.',
  'The app crashes every time I upload a file, this is really frustrating.',
  'Still waiting for my refund after two weeks, terrible service.',
  'The invoice is wrong again and nobody answers my emails. Very disappointed.',
  'Login fails with an error since yesterday, we cannot work at all.',
  'Please change the billing address on my account to our new office.',
  'How do I export my invoices to CSV?',
  'Can you add a second user to our team plan?',
  'What time zone are the scheduled reports sent in?',
  'The product is great but the delivery was late and support never replied.',
  'Setup was easy, although the documentation is confusing in places.',
  'We like the new editor, but the search is broken and slow.',
  'My password reset email never arrived.',
];

/** The message of ticket `id` (1-based). */
export function ticketMessage(id: number): string {
  return `Ticket ${id}: ${MESSAGES[(id * 7) % MESSAGES.length] as string}`;
}

/** A VALUES-free way to fill the table: the messages as one array for generate_series to index. */
export const TICKET_MESSAGES = MESSAGES;
