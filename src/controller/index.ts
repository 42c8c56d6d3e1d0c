// Placement, leader election, ISR changes, broker registration. Arrives with the cluster issue.
export {};
