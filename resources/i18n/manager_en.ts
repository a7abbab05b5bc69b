<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en" sourcelanguage="en">
<context>
    <name>ManagerPinDialog</name>
    <message>
        <source>Manager PIN</source>
        <translation>Manager PIN</translation>
    </message>
    <message>
        <source>Enter the manager PIN</source>
        <translation>Enter the manager PIN</translation>
    </message>
    <message>
        <source>Too many wrong PINs. Locked until %1.</source>
        <translation>Too many wrong PINs. Locked until %1.</translation>
    </message>
    <message>
        <source>No manager PIN is set. Run: python -m kiosk.manager set-pin, and add the line to kiosk.toml.</source>
        <translation>No manager PIN is set. Run: python -m kiosk.manager set-pin, and add the line to kiosk.toml.</translation>
    </message>
    <message>
        <source>Wrong PIN. Tries left: %1</source>
        <translation>Wrong PIN. Tries left: %1</translation>
    </message>
</context>
<context>
    <name>ManagerView</name>
    <message>
        <source>Refunded</source>
        <extracomment>Core events of interest, re-emitted here so that they are handled on the GUI thread. A message from a worker thread (refund slip not printed, …).</extracomment>
        <translation>Refunded</translation>
    </message>
    <message>
        <source>Needs a refund</source>
        <translation>Needs a refund</translation>
    </message>
    <message>
        <source> (training)</source>
        <translation> (training)</translation>
    </message>
    <message>
        <source>Manager</source>
        <translation>Manager</translation>
    </message>
    <message>
        <source>Manager — %1</source>
        <translation>Manager — %1</translation>
    </message>
    <message>
        <source>TRAINING</source>
        <translation>TRAINING</translation>
    </message>
    <message>
        <source>Today</source>
        <translation>Today</translation>
    </message>
    <message>
        <source>WeChat Pay bill</source>
        <translation>WeChat Pay bill</translation>
    </message>
    <message>
        <source>Reconciliation</source>
        <translation>Reconciliation</translation>
    </message>
    <message>
        <source>Refund…</source>
        <translation>Refund…</translation>
    </message>
    <message>
        <source>Re-query order</source>
        <translation>Re-query order</translation>
    </message>
    <message>
        <source>Print Z-report</source>
        <translation>Print Z-report</translation>
    </message>
    <message>
        <source>Export CSV…</source>
        <translation>Export CSV…</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Close</translation>
    </message>
    <message>
        <source>Orders</source>
        <translation>Orders</translation>
    </message>
    <message>
        <source>Paid (WeChat Pay)</source>
        <translation>Paid (WeChat Pay)</translation>
    </message>
    <message>
        <source>Sales</source>
        <translation>Sales</translation>
    </message>
    <message>
        <source>Refunds</source>
        <translation>Refunds</translation>
    </message>
    <message>
        <source>Net</source>
        <translation>Net</translation>
    </message>
    <message>
        <source>Average ticket</source>
        <translation>Average ticket</translation>
    </message>
    <message>
        <source>Sales by hour</source>
        <translation>Sales by hour</translation>
    </message>
    <message>
        <source>Top items</source>
        <translation>Top items</translation>
    </message>
    <message>
        <source>Paid after cancel — needs attention</source>
        <translation>Paid after cancel — needs attention</translation>
    </message>
    <message>
        <source>Today&apos;s orders</source>
        <translation>Today&apos;s orders</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>Refresh</translation>
    </message>
    <message>
        <source>State</source>
        <translation>State</translation>
    </message>
    <message>
        <source>Amount</source>
        <translation>Amount</translation>
    </message>
    <message>
        <source>Item</source>
        <translation>Item</translation>
    </message>
    <message>
        <source>Quantity</source>
        <translation>Quantity</translation>
    </message>
    <message>
        <source>Order</source>
        <translation>Order</translation>
    </message>
    <message>
        <source>Refundable</source>
        <translation>Refundable</translation>
    </message>
    <message>
        <source>Paid at</source>
        <translation>Paid at</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>Time</translation>
    </message>
    <message>
        <source>Paid by</source>
        <translation>Paid by</translation>
    </message>
    <message>
        <source>Fetch bill</source>
        <translation>Fetch bill</translation>
    </message>
    <message>
        <source>Training: advance sandbox clock one day (to 10:00 tomorrow)</source>
        <translation>Training: advance sandbox clock one day (to 10:00 tomorrow)</translation>
    </message>
    <message>
        <source>Transactions</source>
        <translation>Transactions</translation>
    </message>
    <message>
        <source>Settled amount</source>
        <translation>Settled amount</translation>
    </message>
    <message>
        <source>Fees</source>
        <translation>Fees</translation>
    </message>
    <message>
        <source>Trade state</source>
        <translation>Trade state</translation>
    </message>
    <message>
        <source>Refund</source>
        <translation>Refund</translation>
    </message>
    <message>
        <source>Fee</source>
        <translation>Fee</translation>
    </message>
    <message>
        <source>Refund no.</source>
        <translation>Refund no.</translation>
    </message>
    <message>
        <source>Transaction id</source>
        <translation>Transaction id</translation>
    </message>
    <message>
        <source>Category</source>
        <translation>Category</translation>
    </message>
    <message>
        <source>What to do</source>
        <translation>What to do</translation>
    </message>
    <message>
        <source>Bill amount</source>
        <translation>Bill amount</translation>
    </message>
    <message>
        <source>Journal amount</source>
        <translation>Journal amount</translation>
    </message>
    <message>
        <source>Bill state</source>
        <translation>Bill state</translation>
    </message>
    <message>
        <source>Journal state</source>
        <translation>Journal state</translation>
    </message>
    <message>
        <source>Details</source>
        <translation>Details</translation>
    </message>
    <message>
        <source>Fetch a bill to reconcile it with the journal.</source>
        <translation>Fetch a bill to reconcile it with the journal.</translation>
    </message>
    <message>
        <source>Draft</source>
        <translation>Draft</translation>
    </message>
    <message>
        <source>Creating</source>
        <translation>Creating</translation>
    </message>
    <message>
        <source>Pending creation</source>
        <translation>Pending creation</translation>
    </message>
    <message>
        <source>Awaiting payment</source>
        <translation>Awaiting payment</translation>
    </message>
    <message>
        <source>Paid</source>
        <translation>Paid</translation>
    </message>
    <message>
        <source>Paid after cancel</source>
        <translation>Paid after cancel</translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation>Cancelled</translation>
    </message>
    <message>
        <source>Expired</source>
        <translation>Expired</translation>
    </message>
    <message>
        <source>Failed</source>
        <translation>Failed</translation>
    </message>
    <message>
        <source>Matched</source>
        <translation>Matched</translation>
    </message>
    <message>
        <source>Paid in WeChat Pay, no order in the journal</source>
        <translation>Paid in WeChat Pay, no order in the journal</translation>
    </message>
    <message>
        <source>Paid in WeChat Pay, unpaid in the journal</source>
        <translation>Paid in WeChat Pay, unpaid in the journal</translation>
    </message>
    <message>
        <source>Paid in WeChat Pay after the sale was cancelled</source>
        <translation>Paid in WeChat Pay after the sale was cancelled</translation>
    </message>
    <message>
        <source>Amounts differ</source>
        <translation>Amounts differ</translation>
    </message>
    <message>
        <source>Paid in the journal, missing from the bill</source>
        <translation>Paid in the journal, missing from the bill</translation>
    </message>
    <message>
        <source>Paid twice in the bill</source>
        <translation>Paid twice in the bill</translation>
    </message>
    <message>
        <source>Another kiosk&apos;s order</source>
        <translation>Another kiosk&apos;s order</translation>
    </message>
    <message>
        <source>Refund matched</source>
        <translation>Refund matched</translation>
    </message>
    <message>
        <source>Refund differs</source>
        <translation>Refund differs</translation>
    </message>
    <message>
        <source>Refund not made by this kiosk</source>
        <translation>Refund not made by this kiosk</translation>
    </message>
    <message>
        <source>Refund missing from the bill</source>
        <translation>Refund missing from the bill</translation>
    </message>
    <message>
        <source>Paid by code, then given back by the reverse</source>
        <translation>Paid by code, then given back by the reverse</translation>
    </message>
    <message>
        <source>Nothing to do</source>
        <translation>Nothing to do</translation>
    </message>
    <message>
        <source>Refund the payment that has no sale</source>
        <translation>Refund the payment that has no sale</translation>
    </message>
    <message>
        <source>Re-query the order</source>
        <translation>Re-query the order</translation>
    </message>
    <message>
        <source>Check the order in WeChat Pay</source>
        <translation>Check the order in WeChat Pay</translation>
    </message>
    <message>
        <source>Check the refund status</source>
        <translation>Check the refund status</translation>
    </message>
    <message>
        <source>Check the refund in WeChat Pay</source>
        <translation>Check the refund in WeChat Pay</translation>
    </message>
    <message>
        <source>Loading today&apos;s numbers</source>
        <translation>Loading today&apos;s numbers</translation>
    </message>
    <message>
        <source>(%1 in progress)</source>
        <translation>(%1 in progress)</translation>
    </message>
    <message>
        <source>(%1 abnormal: handle in the WeChat Pay merchant platform)</source>
        <translation>(%1 abnormal: handle in the WeChat Pay merchant platform)</translation>
    </message>
    <message>
        <source>Payment codes not settled yet (being reversed; check in the merchant platform): %1</source>
        <translation>Payment codes not settled yet (being reversed; check in the merchant platform): %1</translation>
    </message>
    <message>
        <source>Paid after cancel — needs attention: %1</source>
        <translation>Paid after cancel — needs attention: %1</translation>
    </message>
    <message>
        <source>Paid after cancel — nothing to do</source>
        <translation>Paid after cancel — nothing to do</translation>
    </message>
    <message>
        <source>Select a paid order first (Today or Reconciliation).</source>
        <translation>Select a paid order first (Today or Reconciliation).</translation>
    </message>
    <message>
        <source>Order %1 is not in this kiosk&apos;s journal: refund it in the WeChat Pay merchant platform.</source>
        <translation>Order %1 is not in this kiosk&apos;s journal: refund it in the WeChat Pay merchant platform.</translation>
    </message>
    <message>
        <source>Order %1 is not paid in the journal; re-query it first.</source>
        <translation>Order %1 is not paid in the journal; re-query it first.</translation>
    </message>
    <message>
        <source>Order %1 is already fully refunded.</source>
        <translation>Order %1 is already fully refunded.</translation>
    </message>
    <message>
        <source>Refund refused: %1</source>
        <translation>Refund refused: %1</translation>
    </message>
    <message>
        <source>requested</source>
        <translation>requested</translation>
    </message>
    <message>
        <source>processing</source>
        <translation>processing</translation>
    </message>
    <message>
        <source>refunded — slip printed</source>
        <translation>refunded — slip printed</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>failed</translation>
    </message>
    <message>
        <source>closed</source>
        <translation>closed</translation>
    </message>
    <message>
        <source>abnormal: check in WeChat Pay</source>
        <translation>abnormal: check in WeChat Pay</translation>
    </message>
    <message>
        <source>Refund %1 of %2: %3</source>
        <translation>Refund %1 of %2: %3</translation>
    </message>
    <message>
        <source>Select an order first.</source>
        <translation>Select an order first.</translation>
    </message>
    <message>
        <source>Re-query failed: %1</source>
        <translation>Re-query failed: %1</translation>
    </message>
    <message>
        <source>Re-query</source>
        <translation>Re-query</translation>
    </message>
    <message>
        <source>Order %1 is now: %2</source>
        <translation>Order %1 is now: %2</translation>
    </message>
    <message>
        <source>Fetching the bill for %1…</source>
        <translation>Fetching the bill for %1…</translation>
    </message>
    <message>
        <source>No bill to reconcile for %1.</source>
        <translation>No bill to reconcile for %1.</translation>
    </message>
    <message>
        <source>WeChat Pay bill for %1: %2 rows, verified.</source>
        <translation>WeChat Pay bill for %1: %2 rows, verified.</translation>
    </message>
    <message>
        <source>The bill for %1 is not available yet: the day has not ended.</source>
        <translation>The bill for %1 is not available yet: the day has not ended.</translation>
    </message>
    <message>
        <source>WeChat Pay is still preparing the bill for %1; it is published the next morning (from %2).</source>
        <translation>WeChat Pay is still preparing the bill for %1; it is published the next morning (from %2).</translation>
    </message>
    <message>
        <source>WeChat Pay keeps bills for three months only.</source>
        <translation>WeChat Pay keeps bills for three months only.</translation>
    </message>
    <message>
        <source>The bill for %1 is not available: %2</source>
        <translation>The bill for %1 is not available: %2</translation>
    </message>
    <message>
        <source>No WeChat Pay transactions on %1: there is no bill.</source>
        <translation>No WeChat Pay transactions on %1: there is no bill.</translation>
    </message>
    <message>
        <source>The bill for %1 failed its integrity check (hash) and was rejected. Try again later; if it happens again, call support.</source>
        <translation>The bill for %1 failed its integrity check (hash) and was rejected. Try again later; if it happens again, call support.</translation>
    </message>
    <message>
        <source>The relay or WeChat Pay cannot be reached. Check the network and try again. (%1)</source>
        <translation>The relay or WeChat Pay cannot be reached. Check the network and try again. (%1)</translation>
    </message>
    <message>
        <source>The bill received is inconsistent and is not shown: %1</source>
        <translation>The bill received is inconsistent and is not shown: %1</translation>
    </message>
    <message>
        <source>The relay refused the request: %1</source>
        <translation>The relay refused the request: %1</translation>
    </message>
    <message>
        <source>Reconciling…</source>
        <translation>Reconciling…</translation>
    </message>
    <message>
        <source>%1: bill %2 paid, %3 refunded; journal %4 paid, %5 refunded.</source>
        <translation>%1: bill %2 paid, %3 refunded; journal %4 paid, %5 refunded.</translation>
    </message>
    <message>
        <source>%1 items need attention.</source>
        <translation>%1 items need attention.</translation>
    </message>
    <message>
        <source>Everything matches.</source>
        <translation>Everything matches.</translation>
    </message>
    <message>
        <source>Sandbox clock</source>
        <translation>Sandbox clock</translation>
    </message>
    <message>
        <source>Sandbox clock is now %1: the bill for %2 can be fetched.</source>
        <translation>Sandbox clock is now %1: the bill for %2 can be fetched.</translation>
    </message>
    <message>
        <source>No receipt printer is configured.</source>
        <translation>No receipt printer is configured.</translation>
    </message>
    <message>
        <source>Z-report reprinted.</source>
        <translation>Z-report reprinted.</translation>
    </message>
    <message>
        <source>Z-report for %1 sent to the printer.</source>
        <translation>Z-report for %1 sent to the printer.</translation>
    </message>
    <message>
        <source>Reprint Z-report</source>
        <translation>Reprint Z-report</translation>
    </message>
    <message>
        <source>The Z-report for %1 was already printed. Press again to print a copy marked REPRINT.</source>
        <translation>The Z-report for %1 was already printed. Press again to print a copy marked REPRINT.</translation>
    </message>
    <message>
        <source>Z-report</source>
        <translation>Z-report</translation>
    </message>
    <message>
        <source>Export CSV</source>
        <translation>Export CSV</translation>
    </message>
    <message>
        <source>CSV files (*.csv)</source>
        <translation>CSV files (*.csv)</translation>
    </message>
    <message>
        <source>Fetch a bill first: there is no reconciliation to export.</source>
        <translation>Fetch a bill first: there is no reconciliation to export.</translation>
    </message>
    <message>
        <source>Exported to %1</source>
        <translation>Exported to %1</translation>
    </message>
</context>
<context>
    <name>RefundDialog</name>
    <message>
        <source>Refund</source>
        <translation>Refund</translation>
    </message>
    <message>
        <source>e.g. customer returned the goods</source>
        <translation>e.g. customer returned the goods</translation>
    </message>
    <message>
        <source>Order</source>
        <translation>Order</translation>
    </message>
    <message>
        <source>Refundable</source>
        <translation>Refundable</translation>
    </message>
    <message>
        <source>Amount (yuan)</source>
        <translation>Amount (yuan)</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>Reason</translation>
    </message>
    <message>
        <source>Enter an amount in yuan, for example 12.50</source>
        <translation>Enter an amount in yuan, for example 12.50</translation>
    </message>
    <message>
        <source>The amount must be more than 0 and at most %1.</source>
        <translation>The amount must be more than 0 and at most %1.</translation>
    </message>
    <message>
        <source>Enter a reason for the refund</source>
        <translation>Enter a reason for the refund</translation>
    </message>
</context>
</TS>
